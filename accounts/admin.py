from allauth.account.decorators import secure_admin_login
from django.contrib import admin

# The admin signs in through allauth like everyone else, so lockouts and MFA apply to it too.
admin.site.login = secure_admin_login(admin.site.login)
