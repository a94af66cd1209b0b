"""Two-factor devices stay out of the admin: their secrets must not be readable by
staff. To help someone who has lost their phone, run ``manage.py reset_two_factor``
(docs/sign-in.md)."""

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
