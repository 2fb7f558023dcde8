"""The two XDM classes of the local sandbox, declared field by field: XDM Individual Profile and XDM
ExperienceEvent (their class ids, union ids, roots), and the names of the data tables and columns
the storage layout gives them.

Pure data: no I/O, nothing imported from the rest of seg_mcp.
"""

from __future__ import annotations

from seg_mcp.sandbox.xdm.field import XdmField

PROFILE_CLASS_ID = "https://ns.adobe.com/xdm/context/profile"
EVENT_CLASS_ID = "https://ns.adobe.com/xdm/context/experienceevent"
PROFILE_UNION_ID = PROFILE_CLASS_ID + "__union"
EVENT_UNION_ID = EVENT_CLASS_ID + "__union"

PROFILES_TABLE = "profiles"
EVENTS_TABLE = "experience_events"
MEMBERSHIP_TABLE = "segment_membership"
PROFILE_ID_COLUMN = "_id"
EVENT_PROFILE_COLUMN = "profile_id"
EVENT_TIMESTAMP_COLUMN = "timestamp"
EVENT_TYPE_COLUMN = "eventType"


def _string(
    name: str,
    description: str = "",
    *,
    enum: tuple[str, ...] = (),
    fmt: str | None = None,
    title: str = "",
) -> XdmField:
    return XdmField(name, "string", title=title, description=description, enum=enum, format=fmt)


def _object(name: str, description: str, *fields: XdmField, title: str = "") -> XdmField:
    return XdmField(name, "object", title=title, description=description, fields=fields)


def _measure(name: str, description: str) -> XdmField:
    return _object(
        name, description, XdmField("value", "number", description="The quantity measured.")
    )


IDENTITY_ITEM = _object(
    "items",
    "One identity of the profile in this namespace.",
    _string("id", "The identity value, e.g. an ECID or an email address."),
    XdmField(
        "primary", "boolean", description="Whether this is the primary identity of the record."
    ),
)

PROFILE_FIELDS: tuple[XdmField, ...] = (
    _string("_id", "Unique identifier of the profile record.", title="Identifier"),
    XdmField(
        "identityMap",
        "map",
        title="Identity map",
        description="Identities of the profile keyed by namespace (ECID, Email, CRMID, ...).",
        values=XdmField("values", "array", items=IDENTITY_ITEM),
    ),
    _object(
        "person",
        "An individual actor, contact, or owner.",
        _object(
            "name",
            "The full name of the person.",
            _string("firstName", "The first (given) name."),
            _string("lastName", "The last (family) name."),
            _string("fullName", "The full name, as it is written."),
        ),
        XdmField("birthDate", "date", description="The full date a person was born."),
        XdmField("birthYear", "int", description="The year a person was born."),
        _string(
            "gender",
            "Gender identity of the person.",
            enum=("male", "female", "not_specified", "non_specific"),
        ),
        title="Person",
    ),
    _object(
        "homeAddress",
        "A postal address of the person's home.",
        _string("street1", "The primary street level information."),
        _string("city", "The name of the city."),
        _string("stateProvince", "The state or province, e.g. CA."),
        _string("postalCode", "The postal code of the location."),
        _string("countryCode", "The two-character ISO 3166-1 alpha-2 code of the country."),
        _string("country", "The name of the country."),
        title="Home address",
    ),
    _object(
        "workAddress",
        "A postal address of the person's workplace.",
        _string("city", "The name of the city."),
        _string("stateProvince", "The state or province."),
        _string("countryCode", "The two-character ISO 3166-1 alpha-2 code of the country."),
        _string("country", "The name of the country."),
        title="Work address",
    ),
    _object(
        "personalEmail",
        "A personal email address.",
        _string("address", "The email address.", fmt="email"),
        _string(
            "status", "The state of the address.", enum=("active", "incomplete", "blacklisted")
        ),
        title="Personal email",
    ),
    _object(
        "mobilePhone",
        "The mobile phone number.",
        _string("number", "The phone number."),
        title="Mobile phone",
    ),
    _object(
        "loyalty",
        "Loyalty program details.",
        _string("loyaltyID", "The loyalty program identifier."),
        _string("tier", "The loyalty tier.", enum=("bronze", "silver", "gold", "platinum")),
        XdmField("points", "number", description="The current points balance."),
        XdmField("joinDate", "date", description="The date the person joined the program."),
        title="Loyalty",
    ),
    _object(
        "_repo",
        "System metadata of the record.",
        XdmField("createDate", "date-time", description="When the record was created."),
        XdmField("modifyDate", "date-time", description="When the record was last modified."),
    ),
)

PRODUCT_LIST_ITEM = _object(
    "items",
    "A product of the event.",
    _string("SKU", "Stock keeping unit of the product."),
    _string("name", "Display name of the product."),
    XdmField("quantity", "int", description="Number of units."),
    XdmField("priceTotal", "number", description="Total price of the line."),
    _string("currencyCode", "ISO 4217 currency code of the price."),
)

EVENT_FIELDS: tuple[XdmField, ...] = (
    _string("_id", "Unique identifier of the event."),
    XdmField("timestamp", "date-time", description="The time the event happened (UTC)."),
    _string(
        "eventType",
        "The primary event type of the record.",
        enum=(
            "web.webpagedetails.pageViews",
            "commerce.productViews",
            "commerce.productListAdds",
            "commerce.checkouts",
            "commerce.purchases",
            "directMarketing.emailOpened",
            "directMarketing.emailClicked",
        ),
    ),
    _object(
        "web",
        "Web details of the event.",
        _object(
            "webPageDetails",
            "Details of the web page viewed.",
            _string("name", "Name of the page."),
            _string("URL", "URL of the page.", fmt="uri"),
            XdmField("isHomePage", "boolean", description="Whether the page is the home page."),
            _measure("pageViews", "A view of the page."),
        ),
        _object(
            "webReferrer",
            "The referrer of the page view.",
            _string("URL", "Referrer URL.", fmt="uri"),
        ),
    ),
    _object(
        "commerce",
        "Commerce details of the event.",
        _object(
            "order",
            "The order placed.",
            XdmField("priceTotal", "number", description="Total price of the order."),
            _string("currencyCode", "ISO 4217 currency code of the order."),
            _string("purchaseID", "Unique identifier of the purchase."),
        ),
        _measure("purchases", "An order was accepted."),
        _measure("productViews", "A product was viewed."),
        _measure("productListAdds", "A product was added to the cart."),
        _measure("checkouts", "A checkout was started."),
        _measure("cartAbandons", "A cart was abandoned (a checkout with no purchase)."),
    ),
    XdmField(
        "productListItems",
        "array",
        description="The products of the event.",
        items=PRODUCT_LIST_ITEM,
    ),
    _object(
        "channel",
        "The marketing channel of the event.",
        _string("_id", "Channel identifier URI."),
        _string("_type", "Channel type URI."),
        _string("mediaType", "Media type: owned, earned or paid."),
    ),
    _object(
        "device",
        "The device of the event.",
        _string("type", "Device type: mobile, tablet, desktop."),
        _string("manufacturer", "Device manufacturer."),
        _string("model", "Device model."),
    ),
    _object(
        "marketing",
        "Marketing attribution of the event.",
        _string("trackingCode", "Campaign tracking code."),
        _string("campaignName", "Name of the campaign."),
    ),
    _object(
        "directMarketing",
        "Direct marketing (email) details.",
        _measure("opens", "An email was opened."),
        _measure("clicks", "A link in an email was clicked."),
    ),
    _object(
        "metrics",
        "Measures of the event as Adobe's API examples name them.",
        _object("commerce", "Commerce measures.", _measure("abandons", "A cart was abandoned.")),
    ),
    _object(
        "_experience",
        "Adobe solution fields (the Adobe Analytics ExperienceEvent field group).",
        _object(
            "analytics",
            "Adobe Analytics details of the hit.",
            _object(
                "endUser",
                "The visitor.",
                _object(
                    "firstWeb",
                    "The visitor's first web page of the visit.",
                    _object(
                        "webPageDetails",
                        "Details of that page.",
                        XdmField(
                            "isHomePage", "boolean", description="Whether it is the home page."
                        ),
                    ),
                ),
            ),
        ),
    ),
)

PROFILE_ROOT = XdmField("profile", "object", title="XDM Individual Profile", fields=PROFILE_FIELDS)
EVENT_ROOT = XdmField("experienceevent", "object", title="XDM ExperienceEvent", fields=EVENT_FIELDS)
