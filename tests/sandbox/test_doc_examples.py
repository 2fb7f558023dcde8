"""Adobe's own example queries find people in the generated sandbox.

The PQL examples of Adobe's segmentation documentation (the API guides' requests, the PQL
function pages, the team's reference notes: tests/pql/section12_examples.txt) that are
conditions on standard XDM fields, with values standard data holds, each previewed through the
local sandbox's API on the default generated dataset: every one qualifies someone.

Left out, and why: examples on fields that are not XDM (`person.favoriteColors`, `orders`,
`homeAddress.countryISO`, `commerce.item.price`, `product.saleDate`, ...); examples that are
not conditions (`identityMap.keys()`, `orders.topN(price, 5)`, `if(...)`); event types that are
no XDM event type (`"addToCart"`, `"homePageView"`, `"transaction"`, `"download"`); segment
references (`inSegment`); and dates before the dataset's year of history (`2017`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import anyio.to_thread
import pytest
import pytest_asyncio

from seg_mcp.aep import AEPClient, RetryPolicy
from seg_mcp.config import local_config
from seg_mcp.sandbox import create_app

from .conftest import asgi, make_settings

AFTERNOON = datetime(2026, 11, 4, 15, 30)
#: (example, where Adobe shows it)
EXAMPLES = [
    # API guides: segment definitions, previews and estimates, streaming and edge segmentation
    ('workAddress.country = "US"', "api/segment-definitions"),
    ('workAddress.country = "CA"', "api/segment-definitions"),
    ("xEvent.metrics.commerce.abandons.value > 0", "api/previews-and-estimates"),
    (
        "select var1 from xEvent where "
        "var1._experience.analytics.endUser.firstWeb.webPageDetails.isHomePage = true",
        "api/streaming-segmentation",
    ),
    (
        "select var1 from xEvent where "
        "var1._experience.analytics.endUser.firstWeb.webPageDetails.isHomePage = false",
        "api/edge-segmentation",
    ),
    # PQL pages
    ("homeAddress.stateProvince = workAddress.stateProvince", "pql/overview"),
    ("$1.homeAddress.stateProvince = $1.homeAddress.stateProvince", "pql/overview"),
    (
        "(Profile) => Profile.homeAddress.stateProvince = Profile.workAddress.stateProvince",
        "pql/overview",
    ),
    (
        "let S = (sum X.commerce.order.priceTotal over X from xEvent "
        'where X.commerce.order.currencyCode = "USD") in (S > 100 and S < 1000)',
        "pql/misc-functions",
    ),
    # reference notes, section 12
    ("person.birthYear >= 2000", "section12 #22"),
    ('homeAddress.country.equals("Canada", false)', "section12 #35"),
    ('person.gender in ["male"]', "section12 #48"),
    ("_repo.modifyDate occurs after date(2019, 4, 1)", "section12 #49"),
    ("select X from xEvent where X.metrics.commerce.abandons.value > 0", "section12 #53"),
    ("select X from xEvent where X.timestamp occurs yesterday", "section12 #54"),
    ("select X from xEvent where X.commerce.order", "section12 #55"),
    ('select X from xEvent where X.commerce.order.purchaseID != ""', "section12 #56"),
    (
        "select Order from xEvent where Order.commerce.order, "
        'Item from Order.productListItems where Item.SKU = "PS"',
        "section12 #58",
    ),
    (
        "select Order1 from xEvent where Order1.commerce.order, Order2 from xEvent where "
        "Order2.commerce.order and Order2.timestamp occurs < 2 weeks after Order1.timestamp",
        "section12 #60",
    ),
    (
        "select X from xEvent where X.timestamp occurs before today, "
        'I from X.productListItems where I.SKU = "PS"',
        "section12 #62",
    ),
    ("select X from xEvent where X.timestamp.getDayOfMonth() <= 3", "section12 #69"),
    (
        "select X from xEvent where X.commerce.checkouts.value + X.commerce.cartAbandons.value > 1",
        "section12 #74",
    ),
    ('xEvent[productListItems[SKU="PS"]]', "section12 #76"),
    (
        "CHAIN(xEvent, timestamp, "
        '[C0: WHAT(eventType.equals("commerce.checkouts", false)) WHEN(today)])',
        "section12 #94",
    ),
]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def docs_aep(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AEPClient]:
    """One sandbox for the module, generated with the defaults (300 profiles), its clock in the
    afternoon so that `today` has hours behind it."""
    settings = make_settings(tmp_path_factory.mktemp("doc-examples"), now=AFTERNOON)
    app = create_app(settings)
    client = local_config().create_client(transport=asgi(app), retry=RetryPolicy(max_retries=0))
    try:
        async with client:
            yield client
    finally:
        await anyio.to_thread.run_sync(app.state.service.close)


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("text", "source"), EXAMPLES, ids=[s for _, s in EXAMPLES])
async def test_adobes_example_finds_people(docs_aep: AEPClient, text: str, source: str) -> None:
    created = await docs_aep.create_preview({"predicateExpression": text})
    pid = created.preview_id or ""
    for _ in range(2000):
        estimate = await docs_aep.retrieve_estimate(pid)
        if estimate.state not in ("NEW", "RUNNING"):
            break
        await anyio.sleep(0.005)
    assert estimate.state == "RESULT_READY", estimate.error
    assert (estimate.estimated_size or 0) > 0, f"{source}: nobody qualifies for {text}"
    page = await docs_aep.retrieve_preview(pid, limit=1)
    assert page.results, "the preview lists nobody"
