def csp_nonce(request) -> dict:
    """Give templates the request's CSP nonce under the name django-htmx's {% htmx_script %} reads.

    The nonce stays lazy, so a page that never uses it adds none to its header.
    """
    return {"csp_nonce": getattr(request, "csp_nonce", None)}
