from django.contrib.auth import forms as auth_forms

from fupin.core.forms import BootstrapMixin


class LoginForm(BootstrapMixin, auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。连续失败多次后账号将被暂时锁定。",
        "inactive": "该账号已停用。",
    }


class PasswordChangeForm(BootstrapMixin, auth_forms.PasswordChangeForm):
    pass
