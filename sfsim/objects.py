"""The standard objects of the simulated org and their fields.

Only the fields the product reads or writes, plus the audit fields every object has. Custom
fields are not here: the seed declares them (`Org.add_custom_field`).
"""

from __future__ import annotations

from sfsim.schema import FieldDef, ObjectDef, PicklistValue


def _ro(name: str, type_: str, *, length: int = 0, nillable: bool = True) -> FieldDef:
    return FieldDef(name, type_, length=length, updateable=False, nillable=nillable)


def _text(name: str, length: int = 255) -> FieldDef:
    return FieldDef(name, "string", length=length)


def _pick(
    name: str, values: list[str], *, restricted: bool = False, nillable: bool = True
) -> FieldDef:
    options = tuple(PicklistValue(v) for v in values)
    return FieldDef(
        name, "picklist", length=255, picklist=options, restricted=restricted, nillable=nillable
    )


def _ref(name: str, to: tuple[str, ...], rel: str | None, *, updateable: bool = True) -> FieldDef:
    return FieldDef(
        name=name, type="reference", length=18, reference_to=to, relationship_name=rel,
        updateable=updateable,
    )  # fmt: skip


def _audit(*, modstamp: bool = True) -> list[FieldDef]:
    fields = [
        _ro("Id", "id", length=18, nillable=False),
        _ro("IsDeleted", "boolean", nillable=False),
        _ro("CreatedDate", "datetime", nillable=False),
        _ref("CreatedById", ("User",), "CreatedBy", updateable=False),
    ]
    if modstamp:
        fields += [
            _ro("LastModifiedDate", "datetime", nillable=False),
            _ref("LastModifiedById", ("User",), "LastModifiedBy", updateable=False),
            _ro("SystemModstamp", "datetime", nillable=False),
        ]
    return fields


OWNER_OF_RECORD = ("Group", "User")
SOURCES = ["Web", "Webinar", "Trade Show", "Content Download", "Partner Referral", "Phone Inquiry",
           "Purchased List", "Other"]  # fmt: skip
INDUSTRIES = ["Technology", "Finance", "Healthcare", "Manufacturing", "Retail", "Education",
              "Media", "Energy", "Government", "Other"]  # fmt: skip
TASK_STATUSES = ["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"]
TASK_TYPES = ["Call", "Email", "Meeting", "Other"]
TASK_SUBTYPES = ["Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"]
FORECAST = ["Omitted", "Pipeline", "Best Case", "Commit", "Closed"]


def _lead() -> ObjectDef:
    return ObjectDef("Lead", "00Q", "Lead", [
        *_audit(),
        _ref("MasterRecordId", ("Lead",), "MasterRecord", updateable=False),
        _text("FirstName", 40), FieldDef("LastName", "string", length=80, nillable=False),
        _ro("Name", "string", length=121),
        FieldDef("Company", "string", length=255, nillable=False),
        _text("Title", 128), FieldDef("Email", "email", length=80),
        FieldDef("Phone", "phone", length=40), FieldDef("Website", "url", length=255),
        _text("Country", 80), _text("State", 80), _pick("LeadSource", SOURCES),
        _pick("Status", [], restricted=True, nillable=False),
        FieldDef("OwnerId", "reference", length=18, nillable=False, reference_to=OWNER_OF_RECORD,
                 relationship_name="Owner"),
        _pick("Rating", ["Hot", "Warm", "Cold"]), _pick("Industry", INDUSTRIES),
        FieldDef("NumberOfEmployees", "int"), FieldDef("AnnualRevenue", "currency"),
        _ro("IsConverted", "boolean", nillable=False), _ro("ConvertedDate", "date"),
        _ref("ConvertedOpportunityId", ("Opportunity",), "ConvertedOpportunity", updateable=False),
        _ref("ConvertedAccountId", ("Account",), "ConvertedAccount", updateable=False),
        _ref("ConvertedContactId", ("Contact",), "ConvertedContact", updateable=False),
        _ro("LastActivityDate", "date"),
    ])  # fmt: skip


def _opportunity() -> ObjectDef:
    return ObjectDef("Opportunity", "006", "Opportunity", [
        *_audit(), FieldDef("Name", "string", length=120, nillable=False),
        _ref("AccountId", ("Account",), "Account"), _ref("OwnerId", ("User",), "Owner"),
        _pick("StageName", [], nillable=False), _ro("IsClosed", "boolean"), _ro("IsWon", "boolean"),
        FieldDef("CloseDate", "date", nillable=False), FieldDef("Amount", "currency"),
        FieldDef("Probability", "percent"), _pick("ForecastCategoryName", FORECAST),
        _pick("LeadSource", SOURCES), _pick("Type", ["New Business", "Existing Business"]),
    ])  # fmt: skip


def _activity_common() -> list[FieldDef]:
    return [
        *_audit(),
        _ref("WhoId", ("Contact", "Lead"), "Who"),
        _ref("WhatId", ("Account", "Opportunity"), "What"),
        FieldDef("OwnerId", "reference", length=18, nillable=False, reference_to=OWNER_OF_RECORD,
                 relationship_name="Owner"),
        _text("Subject", 255), _pick("Type", TASK_TYPES), FieldDef("ActivityDate", "date"),
        _ro("IsArchived", "boolean"),
    ]  # fmt: skip


def _task() -> ObjectDef:
    return ObjectDef("Task", "00T", "Task", [
        *_activity_common(), _pick("Status", TASK_STATUSES, restricted=True, nillable=False),
        _pick("Priority", ["High", "Normal", "Low"]), _ro("IsClosed", "boolean"),
        _ro("TaskSubtype", "picklist"), _ro("CompletedDateTime", "datetime"),
        FieldDef("CallDurationInSeconds", "int"),
    ])  # fmt: skip


def _event() -> ObjectDef:
    return ObjectDef("Event", "00U", "Event", [
        *_activity_common(), _ro("EventSubtype", "picklist"),
        FieldDef("ActivityDateTime", "datetime"), FieldDef("StartDateTime", "datetime"),
        FieldDef("EndDateTime", "datetime"), FieldDef("DurationInMinutes", "int"),
        FieldDef("IsAllDayEvent", "boolean"),
    ])  # fmt: skip


def _user() -> ObjectDef:
    return ObjectDef("User", "005", "User", [
        *_audit(), FieldDef("Username", "string", length=80, nillable=False),
        _text("FirstName", 40),
        FieldDef("LastName", "string", length=80, nillable=False),
        _ro("Name", "string", length=121),
        FieldDef("Email", "email", length=128), _text("Alias", 8), FieldDef("IsActive", "boolean"),
        _ro("UserType", "picklist"), FieldDef("ProfileId", "reference", length=18),
        FieldDef("UserRoleId", "reference", length=18), _ref("ManagerId", ("User",), "Manager"),
        _text("Title", 80), _text("TimeZoneSidKey", 40),
    ])  # fmt: skip


def _group() -> ObjectDef:
    return ObjectDef("Group", "00G", "Group", [
        *_audit(), FieldDef("Name", "string", length=40, nillable=False),
        _text("DeveloperName", 80),
        _pick("Type", ["Queue", "Regular"], restricted=True), FieldDef("Email", "email", length=80),
    ])  # fmt: skip


def _queue_sobject() -> ObjectDef:
    return ObjectDef("QueueSobject", "03g", "Queue Sobject", [
        *_audit(), _ref("QueueId", ("Group",), "Queue"),
        _pick("SobjectType", ["Lead", "Case", "Task"]),
    ])  # fmt: skip


def _account() -> ObjectDef:
    return ObjectDef("Account", "001", "Account", [
        *_audit(), FieldDef("Name", "string", length=255, nillable=False),
        FieldDef("Website", "url", length=255),
        _ref("OwnerId", ("User",), "Owner"), _pick("Industry", INDUSTRIES),
        FieldDef("NumberOfEmployees", "int"), FieldDef("AnnualRevenue", "currency"),
        _text("BillingCountry", 80), _pick("Type", ["Prospect", "Customer", "Partner"]),
    ])  # fmt: skip


def _contact() -> ObjectDef:
    return ObjectDef("Contact", "003", "Contact", [
        *_audit(), _text("FirstName", 40),
        FieldDef("LastName", "string", length=80, nillable=False),
        _ro("Name", "string", length=121), _ref("AccountId", ("Account",), "Account"),
        FieldDef("Email", "email", length=80), _ref("OwnerId", ("User",), "Owner"),
    ])  # fmt: skip


def _lead_history() -> ObjectDef:
    return ObjectDef("LeadHistory", "017", "Lead History", [
        *_audit(modstamp=False), _ref("LeadId", ("Lead",), "Lead", updateable=False),
        _ro("Field", "picklist"), _ro("DataType", "picklist"),
        _ro("OldValue", "anyType"), _ro("NewValue", "anyType"),
    ])  # fmt: skip


def _organization() -> ObjectDef:
    return ObjectDef("Organization", "00D", "Organization", [
        *_audit(), _ro("Name", "string"), _ro("TimeZoneSidKey", "picklist"),
        _ro("FiscalYearStartMonth", "int"), _ro("DefaultLocaleSidKey", "picklist"),
        _ro("OrganizationType", "picklist"),
        _ro("IsSandbox", "boolean"), _ro("InstanceName", "string"),
    ])  # fmt: skip


def _lead_status() -> ObjectDef:
    return ObjectDef("LeadStatus", "01J", "Lead Status Value", [
        *_audit(), _ro("ApiName", "string"), _ro("MasterLabel", "string"),
        _ro("IsConverted", "boolean"), _ro("IsDefault", "boolean"), _ro("SortOrder", "int"),
    ])  # fmt: skip


def _opportunity_stage() -> ObjectDef:
    return ObjectDef("OpportunityStage", "01K", "Opportunity Stage", [
        *_audit(), _ro("ApiName", "string"),
        _ro("MasterLabel", "string"), _ro("IsActive", "boolean"),
        _ro("IsClosed", "boolean"), _ro("IsWon", "boolean"), _ro("DefaultProbability", "percent"),
        _ro("ForecastCategoryName", "picklist"), _ro("SortOrder", "int"),
    ])  # fmt: skip


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
RECURRENCE_TYPES = ["RecursDaily", "RecursEveryWeekday", "RecursWeekly", "RecursMonthly",
                    "RecursMonthlyNth", "RecursYearly", "RecursYearlyNth"]  # fmt: skip
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]  # fmt: skip


def _business_hours() -> ObjectDef:
    """Times are `time` fields: sent as `"09:00:00.000Z"`, null on a closed day."""
    days = [FieldDef(f"{day}{edge}Time", "time") for day in WEEKDAYS for edge in ("Start", "End")]
    return ObjectDef("BusinessHours", "01m", "Business Hours", [
        *_audit(), FieldDef("Name", "string", length=80, nillable=False),
        FieldDef("IsActive", "boolean"), FieldDef("IsDefault", "boolean"),
        _pick("TimeZoneSidKey", []), *days,
    ])  # fmt: skip


def _holiday() -> ObjectDef:
    return ObjectDef("Holiday", "0C0", "Holiday", [
        *_audit(), FieldDef("Name", "string", length=80, nillable=False),
        _text("Description", 100), FieldDef("ActivityDate", "date"),
        FieldDef("IsAllDay", "boolean"), FieldDef("StartTimeInMinutes", "int"),
        FieldDef("EndTimeInMinutes", "int"), FieldDef("IsRecurrence", "boolean"),
        _pick("RecurrenceType", RECURRENCE_TYPES), FieldDef("RecurrenceInterval", "int"),
        FieldDef("RecurrenceDayOfMonth", "int"), FieldDef("RecurrenceDayOfWeekMask", "int"),
        _pick("RecurrenceInstance", ["First", "Second", "Third", "Fourth", "Last"]),
        _pick("RecurrenceMonthOfYear", MONTHS), FieldDef("RecurrenceStartDate", "date"),
        FieldDef("RecurrenceEndDateOnly", "date"),
    ])  # fmt: skip


def _out_of_office() -> ObjectDef:
    """A user's out-of-office period (API 41.0+): `StartDate`, `EndDate` are datetimes."""
    return ObjectDef("OutOfOffice", "0Ex", "Out Of Office", [
        *_audit(), _ref("UserId", ("User",), "User"), FieldDef("StartDate", "datetime"),
        FieldDef("EndDate", "datetime"), FieldDef("IsEnabled", "boolean"),
        _text("Message", 40),
    ])  # fmt: skip


def standard_objects() -> list[ObjectDef]:
    """Fresh definitions of every object the org holds (each org may add its own fields)."""
    return [
        _lead(), _opportunity(), _task(), _event(), _user(), _group(), _queue_sobject(),
        _account(), _contact(), _lead_history(), _organization(), _lead_status(),
        _opportunity_stage(), _business_hours(), _holiday(), _out_of_office(),
    ]  # fmt: skip
