"""How drf-spectacular describes our token scheme in the schema."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A personal API token from your account page ('API tokens'), sent as "
                "`Authorization: Bearer cc_…`. It acts with exactly your access and expires after 90 days "
                "unless you chose otherwise."
            ),
        }
