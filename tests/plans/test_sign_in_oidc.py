"""Signing in with an organisation's identity provider (OpenID Connect), against a
real provider running locally (tests/oidc_provider.py): first and later sign-ins,
the refusals, the second factor, password sign-in turned off, and the admin."""

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from core.accounts.signals import SET_UP, TWO_FACTOR_STATE
from core.models import AuditEvent
from plans.models import Membership
from plans.sign_in.models import ExternalAccount, IdentityProvider
from tests.factories import UserFactory, member
from tests.oidc_provider import CLIENT_ID, local_provider, provider_for

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture(scope="module")
def oidc():
    with local_provider() as provider:
        yield provider


def sign_in_with(client, oidc, provider, subject, *, next_url="", deny=False):
    """Press the organisation's button on the sign-in page, sign in as ``subject``
    at the provider (or deny), and follow the provider back to the service."""
    page = client.get(reverse("sign-in"))
    button = next(o for o in page.context["sign_in_options"] if o.url)
    assert button.provider_id == provider.provider_id
    started = client.post(button.url, {"process": "login", "next": next_url})
    assert started.status_code == 302
    authorize_url = started["Location"]
    assert authorize_url.startswith(oidc.issuer + "/oauth2/authorize")
    back = oidc.deny(authorize_url) if deny else oidc.authorize(authorize_url, subject)
    parts = urlsplit(back)
    return client.get(f"{parts.path}?{parts.query}")


def signed_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_first_sign_in_creates_the_account_with_no_role(client, oidc, force):
    provider = provider_for(force, oidc.issuer)
    oidc.set_claims("s-100", email="Pat.Jones@police.example.uk", given_name="Pat")
    response = sign_in_with(client, oidc, provider, "s-100")

    assert response.status_code == 302
    assert response["Location"] == reverse("sign-in-no-role")
    user = signed_in_user(client)
    assert user.email == "pat.jones@police.example.uk"
    assert user.username == "pat.jones@police.example.uk"
    assert user.first_name == "Pat"
    assert not user.has_usable_password()
    assert not user.memberships.exists()
    account = ExternalAccount.objects.get(user=user)
    assert (account.issuer, account.subject) == (oidc.issuer, "s-100")
    page = client.get(response["Location"])
    assert "You do not have a role yet" in page.content.decode()
    assert force.name in page.content.decode()
    # Recorded against the provider's account, as a write of the system.
    created = AuditEvent.objects.get(
        action=AuditEvent.Action.CREATED,
        object_type="auth.User",
        object_id=str(user.pk),
    )
    assert created.actor_name == "identity-provider"
    assert created.via == AuditEvent.Via.SYSTEM


def test_first_sign_in_gives_the_organisations_default_role(client, oidc, force):
    provider = provider_for(force, oidc.issuer, default_role=Membership.Role.READER)
    oidc.set_claims("s-101", email="sam@police.example.uk")
    response = sign_in_with(client, oidc, provider, "s-101", next_url="/cookies/")

    assert response.status_code == 302
    assert response["Location"] == "/cookies/"
    user = signed_in_user(client)
    membership = user.memberships.get()
    assert (membership.organisation, membership.role) == (force, "reader")
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATED,
        object_type="plans.Membership",
        organisation=force,
        actor_name="identity-provider",
    ).exists()


def test_a_later_sign_in_finds_the_same_account_by_its_subject(client, oidc, force):
    provider = provider_for(force, oidc.issuer, default_role=Membership.Role.READER)
    oidc.set_claims("s-102", email="kim@police.example.uk")
    sign_in_with(client, oidc, provider, "s-102")
    first = signed_in_user(client)
    client.logout()
    # The person's address changed at the provider: still the same person.
    oidc.set_claims("s-102", email="kim.smith@police.example.uk")
    response = sign_in_with(client, oidc, provider, "s-102")

    assert response.status_code == 302
    assert signed_in_user(client) == first
    assert User.objects.filter(email__endswith="police.example.uk").count() == 1
    assert ExternalAccount.objects.count() == 1


def test_a_token_from_another_issuer_is_refused_and_nothing_is_created(
    client, oidc, force
):
    # Set up for the organisation's own tenant, but the token comes from another.
    provider = provider_for(
        force,
        "https://login.microsoftonline.com/our-tenant/v2.0",
        discovery_url=oidc.issuer,
    )
    oidc.set_claims("s-103", email="eve@police.example.uk")
    users = User.objects.count()
    response = sign_in_with(client, oidc, provider, "s-103")

    assert response.status_code == 403
    assert "not one your organisation signs in with" in response.content.decode()
    assert User.objects.count() == users
    assert not ExternalAccount.objects.exists()
    assert signed_in_user(client) is None


def test_an_email_domain_not_accepted_is_refused_and_nothing_is_created(
    client, oidc, force
):
    provider = provider_for(force, oidc.issuer, default_role=Membership.Role.EDITOR)
    oidc.set_claims("s-104", email="mallory@elsewhere.example.com")
    users = User.objects.count()
    response = sign_in_with(client, oidc, provider, "s-104")

    assert response.status_code == 403
    page = response.content.decode()
    assert "Your e-mail address cannot be used to sign in here" in page
    assert "police.example.uk" in page
    assert User.objects.count() == users
    assert not Membership.objects.filter(organisation=force).exists()
    assert signed_in_user(client) is None


def test_cancelling_at_the_provider_signs_nobody_in(client, oidc, force):
    provider = provider_for(force, oidc.issuer)
    response = sign_in_with(client, oidc, provider, "", deny=True)

    assert response.status_code == 403
    assert "You did not finish signing in" in response.content.decode()
    assert signed_in_user(client) is None


def test_an_account_of_another_organisation_with_the_address_is_not_taken_over(
    client, oidc, force, authority
):
    member(authority, Membership.Role.ADMIN, "boss", "Big Boss")
    User.objects.filter(username="boss").update(email="boss@police.example.uk")
    provider = provider_for(force, oidc.issuer)
    oidc.set_claims("s-105", email="boss@police.example.uk")
    response = sign_in_with(client, oidc, provider, "s-105")

    assert response.status_code == 403
    assert "already exists" in response.content.decode()
    assert not ExternalAccount.objects.exists()


def test_a_member_with_the_address_is_joined_to_their_work_account(client, oidc, force):
    existing = member(force, Membership.Role.EDITOR, "jo", "Jo Bloggs")
    User.objects.filter(pk=existing.pk).update(email="jo@police.example.uk")
    provider = provider_for(force, oidc.issuer)
    oidc.set_claims("s-106", email="jo@police.example.uk", amr=["pwd", "mfa"])
    sign_in_with(client, oidc, provider, "s-106")

    assert signed_in_user(client) == existing
    assert ExternalAccount.objects.get().user == existing


def test_a_deactivated_account_cannot_sign_in_again(client, oidc, force):
    provider = provider_for(force, oidc.issuer, default_role=Membership.Role.READER)
    oidc.set_claims("s-107", email="leaver@police.example.uk")
    sign_in_with(client, oidc, provider, "s-107")
    leaver = signed_in_user(client)
    client.logout()
    leaver.is_active = False
    leaver.save()
    response = sign_in_with(client, oidc, provider, "s-107")

    assert response.status_code == 403
    assert "Your account has been closed" in response.content.decode()
    assert signed_in_user(client) is None


# -- the second factor ----------------------------------------------------------------


def test_the_providers_mfa_claim_stands_for_the_services_code(
    client, oidc, force, settings
):
    settings.REQUIRE_TWO_FACTOR_FOR = "editors"
    provider = provider_for(force, oidc.issuer, default_role=Membership.Role.EDITOR)
    oidc.set_claims("s-108", email="ed@police.example.uk", amr=["pwd", "mfa"])
    sign_in_with(client, oidc, provider, "s-108")

    assert TWO_FACTOR_STATE not in client.session
    assert client.get(reverse("plans:list")).status_code == 200


def test_without_the_mfa_claim_the_services_own_code_is_asked_for(
    client, oidc, force, settings
):
    settings.REQUIRE_TWO_FACTOR_FOR = "editors"
    provider = provider_for(force, oidc.issuer, default_role=Membership.Role.EDITOR)
    oidc.set_claims("s-109", email="ed2@police.example.uk", amr=["pwd"])
    sign_in_with(client, oidc, provider, "s-109")

    assert client.session[TWO_FACTOR_STATE] == SET_UP
    response = client.get(reverse("plans:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:set-up"))


# -- password sign-in turned off ------------------------------------------------------


def password_sign_in(client, username):
    return client.post(
        reverse("sign-in"),
        {"username": username, "password": "correct-horse-battery"},
    )


def test_a_member_cannot_use_a_password_once_it_is_turned_off(client, contributor):
    provider_for(
        contributor.memberships.get().organisation,
        "https://login.microsoftonline.com/t/v2.0",
        password_sign_in_off=True,
    )
    response = password_sign_in(client, "farah")

    assert response.status_code == 200
    page = response.content.decode()
    assert "has turned password sign-in off" in page
    assert "Sign in with Microsoft" in page
    assert signed_in_user(client) is None


def test_someone_of_the_domain_cannot_use_a_password_once_it_is_turned_off(
    client, force
):
    UserFactory(username="newbie", email="newbie@police.example.uk")
    provider_for(
        force, "https://login.microsoftonline.com/t/v2.0", password_sign_in_off=True
    )
    response = password_sign_in(client, "newbie")

    assert "has turned password sign-in off" in response.content.decode()
    assert signed_in_user(client) is None


def test_other_organisations_keep_password_sign_in(client, force, editor):
    provider_for(
        force, "https://login.microsoftonline.com/t/v2.0", password_sign_in_off=True
    )
    response = password_sign_in(client, "erin")

    assert response.status_code == 302
    assert signed_in_user(client) == editor


def test_members_keep_password_sign_in_while_it_is_on(client, contributor):
    provider_for(
        contributor.memberships.get().organisation,
        "https://login.microsoftonline.com/t/v2.0",
    )
    response = password_sign_in(client, "farah")

    assert response.status_code == 302
    assert signed_in_user(client) == contributor


def test_superusers_keep_password_sign_in(client, force):
    root = member(force, Membership.Role.ADMIN, "root", "Root User")
    User.objects.filter(pk=root.pk).update(is_superuser=True, is_staff=True)
    provider_for(
        force, "https://login.microsoftonline.com/t/v2.0", password_sign_in_off=True
    )
    response = password_sign_in(client, "root")

    assert response.status_code == 302
    assert signed_in_user(client) == root


def test_the_sign_in_page_lets_the_providers_page_receive_its_form(client, force):
    provider_for(force, "https://login.microsoftonline.com/tenant/v2.0")
    response = client.get(reverse("sign-in"))

    policy = response["Content-Security-Policy"]
    form_action = next(p for p in policy.split(";") if "form-action" in p)
    assert "https://login.microsoftonline.com" in form_action
    assert "Sign in with Microsoft" in response.content.decode()


# -- the admin ---------------------------------------------------------------------


@pytest.fixture
def staff():
    def make_staff(user):
        user.is_staff = True
        user.save()
        user.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label="plans",
                codename__endswith="identityprovider",
            )
        )
        return user

    return make_staff


def test_an_administrator_sees_and_sets_up_only_their_organisations_providers(
    client, staff, admin, authority, force
):
    ours = provider_for(authority, "https://login.microsoftonline.com/a/v2.0")
    provider_for(force, "https://login.microsoftonline.com/f/v2.0")
    client.force_login(staff(admin))

    listed = client.get(reverse("admin:plans_identityprovider_changelist"))
    assert list(listed.context["cl"].result_list) == [ours]
    form = (
        client.get(reverse("admin:plans_identityprovider_add"))
        .context["adminform"]
        .form
    )
    assert list(form.fields["organisation"].queryset) == [authority]
    refused = client.post(
        reverse("admin:plans_identityprovider_add"),
        {
            "organisation": force.pk,
            "name": "Google",
            "issuer": "https://accounts.google.com",
            "client_id": "x",
            "client_secret": "y",
            "email_domains": "force.example.uk",
        },
    )
    assert refused.status_code == 200
    assert not IdentityProvider.objects.filter(name="Google").exists()
    page = client.get(
        reverse("admin:plans_identityprovider_change", args=[ours.pk])
    ).content.decode()
    assert f"/sign-in/oidc/idp-{ours.pk}/login/callback/" in page
    assert "a-secret-the-provider-accepts" not in page


def test_an_editor_cannot_see_the_organisations_provider(
    client, staff, editor, authority
):
    provider_for(authority, "https://login.microsoftonline.com/a/v2.0")
    client.force_login(staff(editor))

    listed = client.get(reverse("admin:plans_identityprovider_changelist"))
    assert listed.context["cl"].result_count == 0


def test_saving_without_a_new_secret_keeps_the_old_one(client, staff, admin, authority):
    ours = provider_for(authority, "https://login.microsoftonline.com/a/v2.0")
    client.force_login(staff(admin))
    response = client.post(
        reverse("admin:plans_identityprovider_change", args=[ours.pk]),
        {
            "organisation": authority.pk,
            "name": "Microsoft",
            "issuer": ours.issuer,
            "discovery_url": "",
            "client_id": CLIENT_ID,
            "client_secret": "",
            "email_domains": "police.example.uk\njpa.example.uk",
            "default_role": "reader",
        },
    )
    assert response.status_code == 302
    ours.refresh_from_db()
    assert ours.client_secret == "a-secret-the-provider-accepts"
    assert ours.accepted_domains == ["police.example.uk", "jpa.example.uk"]
    assert ours.default_role == "reader"


def test_opening_the_providers_address_points_to_the_sign_in_page(client, force):
    provider = provider_for(force, "https://login.microsoftonline.com/t/v2.0")
    response = client.get(f"/sign-in/oidc/{provider.provider_id}/login/")

    assert response.status_code == 200
    assert "Go to the sign-in page" in response.content.decode()


def test_an_account_without_an_email_address_is_refused(client, oidc, force):
    provider = provider_for(force, oidc.issuer, default_role=Membership.Role.READER)
    oidc.set_claims("s-110", name="No Address")
    users = User.objects.count()
    response = sign_in_with(client, oidc, provider, "s-110")

    assert response.status_code == 403
    assert "Your account has no e-mail address" in response.content.decode()
    assert User.objects.count() == users


def test_a_multi_factor_acr_also_stands_for_the_services_code(
    client, oidc, force, settings
):
    settings.REQUIRE_TWO_FACTOR_FOR = "editors"
    provider = provider_for(force, oidc.issuer, default_role=Membership.Role.EDITOR)
    oidc.set_claims(
        "s-111",
        email="ed3@police.example.uk",
        acr="http://schemas.openid.net/pape/policies/2007/06/multi-factor",
    )
    sign_in_with(client, oidc, provider, "s-111")

    assert TWO_FACTOR_STATE not in client.session
    assert client.get(reverse("plans:list")).status_code == 200
