"""Salesforce's error vocabulary as one exception the HTTP layer renders."""

from __future__ import annotations


class SfError(Exception):
    """A failure with Salesforce's status, code, message and fields.

    REST renders it as `[{"message", "errorCode", "fields"}]`; sObject Collections as a per-record
    `{"statusCode", "message", "fields"}`.
    """

    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None):
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or []

    def as_rest(self) -> dict[str, object]:
        """The element of a REST error array."""
        return {"message": self.message, "errorCode": self.code, "fields": self.fields}

    def as_collection(self) -> dict[str, object]:
        """The element of a Collections record's `errors` array."""
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}


def malformed_query(soql: str, column: int, detail: str) -> SfError:
    """MALFORMED_QUERY with Salesforce's caret-and-position message."""
    caret = " " * max(column - 1, 0) + "^"
    message = f"\n{soql}\n{caret}\nERROR at Row:1:Column:{column}\n{detail}"
    return SfError(400, "MALFORMED_QUERY", message)


def invalid_field(message: str) -> SfError:
    """INVALID_FIELD (unknown column, bad relationship, value of the wrong type)."""
    return SfError(400, "INVALID_FIELD", message)


def no_such_column(field: str, entity: str) -> SfError:
    """The INVALID_FIELD Salesforce gives for a column it does not know."""
    return invalid_field(
        f"No such column '{field}' on entity '{entity}'. If you are attempting to use a custom "
        "field, be sure to append the '__c' after the custom field name. Please reference your "
        "WSDL or the describe call for the appropriate names."
    )


def invalid_type(name: str) -> SfError:
    """INVALID_TYPE for an object the org does not have."""
    return SfError(
        400,
        "INVALID_TYPE",
        f"sObject type '{name}' is not supported. If you are attempting to use a custom object, "
        "be sure to append the '__c' after the entity name. Please reference your WSDL or the "
        "describe call for the appropriate names.",
    )


def not_found() -> SfError:
    """404 NOT_FOUND for an unknown resource or record."""
    return SfError(404, "NOT_FOUND", "The requested resource does not exist")
