from allauth.account.forms import LoginForm as AllauthLoginForm


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form, labelled the way the rest of the product speaks."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Email address"
        for field in self.fields.values():
            # Placeholders repeat the label and vanish once typing starts.
            field.widget.attrs.pop("placeholder", None)
