"""Why a lead may not be promoted, as values the app can store and match on."""

from __future__ import annotations

from enum import StrEnum


class Ineligible(StrEnum):
    """Why a lead may not be promoted, whatever its scores."""

    CONVERTED = "converted"
    ALREADY_MQL = "already MQL"
    TAKEN_OUT_BY_PERSON = "taken out of MQL by a person"
    LEFT_MQL = "left MQL before"
    STATUS = "status not eligible"
    BEFORE_GO_LIVE = "created before go-live"
