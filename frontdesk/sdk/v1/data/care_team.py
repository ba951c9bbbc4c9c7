"""`canvas_sdk.v1.data.care_team`: CareTeamMembership (`patient.care_team_memberships`) and its status."""

from frontdesk.clinic.models import CareTeamMembership, CareTeamMembershipStatus

__all__ = ["CareTeamMembership", "CareTeamMembershipStatus"]
