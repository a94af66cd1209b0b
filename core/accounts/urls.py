from django.urls import path

from core.accounts import notifications, views

app_name = "accounts"

urlpatterns = [
    path("account/", views.AccountView.as_view(), name="account"),
    path(
        "account/notifications/",
        notifications.NotificationsView.as_view(),
        name="notifications",
    ),
    path(
        "account/sign-out-everywhere/",
        views.SignOutEverywhereView.as_view(),
        name="sign-out-everywhere",
    ),
    path("account/two-factor/set-up/", views.SetUpView.as_view(), name="set-up"),
    path(
        "account/two-factor/backup-codes/",
        views.BackupCodesView.as_view(),
        name="codes",
    ),
    path("account/two-factor/turn-off/", views.TurnOffView.as_view(), name="turn-off"),
    path("sign-in/two-factor/", views.VerifyView.as_view(), name="verify"),
]
