"""The emulator's RAM model behaves as RAM's documentation says (tests/fakes/sms_voice/ram.py),
seen through the real SMS Voice V2 API: Describe* with Owner="SHARED"."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import CONSUMER, OWNER, client_for, new_phone_number
from tests.e2e.accounts import NEW_CONSUMER, ORG_MEMBER, shared_with
from tests.fakes.sms_voice.ram import Organization, RamError

ORG_ID, PARENT_OU, CHILD_OU = "o-a1b2c3d4e5", "ou-ab12-11112222", "ou-ab12-33334444"


@pytest.fixture()
def ram(emulator: Any) -> Any:
    emulator.state.ram.organization = Organization(
        ORG_ID,
        OWNER,
        units={PARENT_OU: set(), CHILD_OU: {CONSUMER}},
        parents={CHILD_OU: PARENT_OU},
        other_accounts={ORG_MEMBER},
    )
    return emulator.state.ram


def test_an_ou_share_reaches_the_accounts_of_its_child_ous(ram: Any, emulator: Any, owner_client: Any) -> None:
    number = new_phone_number(owner_client)
    ram.create_share(OWNER, "us-east-1", "s", [number], [ram.organization.ou_arn(PARENT_OU)], False)
    assert shared_with(client_for(CONSUMER, emulator)) == {number}
    assert shared_with(client_for(ORG_MEMBER, emulator)) == set()
    assert shared_with(client_for(OWNER, emulator)) == set()  # one's own resources are not "shared"


def test_an_external_account_needs_allow_external_and_an_accepted_invitation(
    ram: Any, emulator: Any, owner_client: Any
) -> None:
    number = new_phone_number(owner_client)
    with pytest.raises(RamError, match="outside your organization"):
        ram.create_share(OWNER, "us-east-1", "s", [number], [NEW_CONSUMER], False)
    share = ram.create_share(OWNER, "us-east-1", "s", [number], [NEW_CONSUMER], True)
    assert shared_with(client_for(NEW_CONSUMER, emulator)) == set()
    with pytest.raises(RamError, match="no invitation"):
        ram.accept_invitation(ORG_MEMBER, share)
    ram.accept_invitation(NEW_CONSUMER, share)
    assert shared_with(client_for(NEW_CONSUMER, emulator)) == {number}


def test_without_sharing_with_organizations_members_get_invitations_and_org_principals_fail(
    ram: Any, emulator: Any, owner_client: Any
) -> None:
    ram.organization.sharing_enabled = False
    number = new_phone_number(owner_client)
    with pytest.raises(RamError, match="OperationNotPermittedException"):
        ram.create_share(OWNER, "us-east-1", "s", [number], [ram.organization.arn], False)
    share = ram.create_share(OWNER, "us-east-1", "s", [number], [ORG_MEMBER], False)
    assert shared_with(client_for(ORG_MEMBER, emulator)) == set()
    ram.accept_invitation(ORG_MEMBER, share)
    assert shared_with(client_for(ORG_MEMBER, emulator)) == {number}


def test_only_the_owners_resources_in_the_shares_region_and_its_own_organization(
    ram: Any, emulator: Any, owner_client: Any
) -> None:
    number = new_phone_number(owner_client)
    foreign = new_phone_number(client_for(CONSUMER, emulator))
    for resources, principals in (
        ([foreign], [ORG_MEMBER]),
        ([number.replace("us-east-1", "eu-west-1")], [ORG_MEMBER]),
        ([number], [f"arn:aws:organizations::{OWNER}:organization/o-zzzzzzzzzz"]),
        ([number], [ram.organization.ou_arn("ou-ab12-99999999")]),
    ):
        with pytest.raises(RamError, match="UnknownResourceException"):
            ram.create_share(OWNER, "us-east-1", "s", resources, principals, False)
    assert ram.shares == {}


def test_a_failed_update_changes_nothing_and_a_released_number_leaves_its_shares(
    ram: Any, emulator: Any, owner_client: Any
) -> None:
    number = new_phone_number(owner_client)
    share = ram.create_share(OWNER, "us-east-1", "s", [number], [ram.organization.arn], False)
    with pytest.raises(RamError):
        ram.update_share(share, "s", [number], ["not-an-account"], False)
    assert ram.shares[share].principals == [ram.organization.arn]
    owner_client.release_phone_number(PhoneNumberId=number.rsplit("/", 1)[1])
    assert ram.shares[share].resources == []
    assert shared_with(client_for(CONSUMER, emulator)) == set()
