"""Every bad request the issue lists is a 400 in the OpenRTB error shape; the IAB examples
and odd-but-valid requests are accepted (200 or 204); nothing is ever a 500."""

import gzip
import json

import pytest

from .support import EXAMPLES, post, request_body

pytestmark = pytest.mark.django_db


def _problem(response) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"error", "details", "nbr"}
    assert body["nbr"] == 2
    assert isinstance(body["error"], str) and body["error"]
    for detail in body["details"]:
        assert set(detail) == {"path", "message"}
        assert isinstance(detail["path"], list)
    return body


def _paths(response) -> list:
    return [d["path"] for d in _problem(response)["details"]]


def _imp(**changes) -> dict:
    imp = {"id": "1", "banner": {"w": 300, "h": 250}}
    imp.update(changes)
    return imp


@pytest.mark.parametrize("name", sorted(p.name for p in (EXAMPLES / "bid-request").glob("*.json")))
def test_every_iab_example_request_is_accepted(client, name):
    response = post(client, (EXAMPLES / "bid-request" / name).read_bytes())
    assert response.status_code in (200, 204), response.content
    assert response["x-openrtb-version"] == "2.6"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (request_body(id=None), ["id"]),
        ({k: v for k, v in request_body().items() if k != "id"}, ["id"]),
        (request_body(id="  "), ["id"]),
        ({k: v for k, v in request_body().items() if k != "imp"}, ["imp"]),
        (request_body(imp=[]), ["imp"]),
        (request_body(imp=[_imp(), _imp()]), ["imp", 1, "id"]),
        (request_body(imp=[{"banner": {"w": 1, "h": 1}}]), ["imp", 0, "id"]),
        (request_body(imp=[{"id": "1"}]), ["imp", 0]),
        (request_body(imp=[_imp(banner={})]), ["imp", 0, "banner"]),
        (request_body(imp=[_imp(banner={"w": 300})]), ["imp", 0, "banner"]),
        (request_body(imp=[_imp(banner={"format": []})]), ["imp", 0, "banner"]),
        (request_body(imp=[_imp(banner={"w": -300, "h": 250})]), ["imp", 0, "banner", "w"]),
        (
            request_body(imp=[_imp(banner={"format": [{"w": 300, "h": -1}]})]),
            ["imp", 0, "banner", "format", 0, "h"],
        ),
        (
            request_body(imp=[_imp(banner=None, video={"mimes": ["video/mp4"], "w": -640})]),
            ["imp", 0, "video", "w"],
        ),
        (request_body(device={"w": -1}), ["device", "w"]),
        (request_body(device={"h": -1}), ["device", "h"]),
        (request_body(imp=[_imp(banner={"w": 10**9, "h": 250})]), ["imp", 0, "banner", "w"]),
        (
            request_body(imp=[_imp(banner=None, video={"mimes": []})]),
            ["imp", 0, "video", "mimes"],
        ),
        (request_body(imp=[_imp(banner=None, video={"w": 640})]), ["imp", 0, "video", "mimes"]),
        (request_body(imp=[_imp(banner=None, audio={"mimes": []})]), ["imp", 0, "audio", "mimes"]),
        (request_body(imp=[_imp(banner=None, native={})]), ["imp", 0, "native", "request"]),
        (
            request_body(imp=[_imp(banner=None, native={"request": ""})]),
            ["imp", 0, "native", "request"],
        ),
        (
            request_body(imp=[_imp(pmp={"deals": [{"bidfloor": 1.0}]})]),
            ["imp", 0, "pmp", "deals", 0, "id"],
        ),
        (request_body(app={"id": "a"}), ["app"]),
        (request_body(site=None), ["site"]),
        (request_body(dooh={"id": "d"}, app={"id": "a"}), ["app"]),
        (request_body(tmax=-1), ["tmax"]),
        (request_body(regs={"gdpr": 2}), ["regs", "gdpr"]),
        (request_body(regs={"gdpr": -1}), ["regs", "gdpr"]),
        (request_body(at=3), ["at"]),
        (request_body(imp=[_imp(bidfloor=-0.5)]), ["imp", 0, "bidfloor"]),
        (request_body(imp=[_imp(bidfloorcur="dollars")]), ["imp", 0, "bidfloorcur"]),
        (request_body(cur=["usd"]), ["cur", 0]),
    ],
)
def test_invalid_requests_are_400_with_the_path(client, body, path):
    assert path in _paths(post(client, body))


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (request_body(id=123), ["id"]),
        (request_body(imp={"id": "1"}), ["imp"]),
        (request_body(imp=[_imp(id=1)]), ["imp", 0, "id"]),
        (request_body(imp=[_imp(banner={"w": "300", "h": 250})]), ["imp", 0, "banner", "w"]),
        (request_body(imp=[_imp(banner={"w": 300.5, "h": 250})]), ["imp", 0, "banner", "w"]),
        (request_body(imp=[_imp(bidfloor="0.5")]), ["imp", 0, "bidfloor"]),
        (request_body(tmax="120"), ["tmax"]),
        (request_body(at=True), ["at"]),
        (request_body(site=[]), ["site"]),
        (request_body(user="someone"), ["user"]),
        (request_body(regs={"gdpr": "1"}), ["regs", "gdpr"]),
        (request_body(cur="USD"), ["cur"]),
        (request_body(bcat="IAB25"), ["bcat"]),
        (request_body(imp=[_imp(banner={"w": 10**30, "h": 250})]), ["imp", 0, "banner", "w"]),
    ],
)
def test_wrong_json_types_are_400_with_the_path(client, body, path):
    assert _paths(post(client, body)) == [path]


@pytest.mark.parametrize(
    "raw", [b"", b"   ", b"{", b"not json", b"[]", b"null", b'"id"', b"{}x", b'{"id": "\xff"}']
)
def test_malformed_bodies_are_400(client, raw):
    _problem(post(client, raw))


def test_every_problem_is_reported_at_once(client):
    body = request_body(id="", tmax=-5, imp=[_imp(banner={"w": -1, "h": -2})])
    paths = _paths(post(client, body))
    assert {("id",), ("tmax",), ("imp", 0, "banner", "w"), ("imp", 0, "banner", "h")} <= {
        tuple(p) for p in paths
    }


def test_unknown_fields_and_extensions_are_tolerated(client):
    body = request_body(
        ext={"prebid": {"anything": [1, 2]}},
        futurefield={"x": 1},
        imp=[_imp(ext={"gpid": "/1/home"}, metric=[{"type": "viewability", "value": 0.8}])],
        regs={"gdpr": 1, "ext": {"dsa": {"required": 1}}},
    )
    assert post(client, body).status_code == 204


def test_gzip_bodies_are_accepted(client):
    raw = gzip.compress(json.dumps(request_body()).encode())
    response = post(client, raw, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 204


def test_broken_gzip_is_400(client):
    _problem(post(client, b"\x1f\x8bnot really gzip", HTTP_CONTENT_ENCODING="gzip"))


def test_an_unknown_encoding_is_refused(client):
    response = post(client, json.dumps(request_body()), HTTP_CONTENT_ENCODING="br")
    assert response.status_code == 415
    assert response.json()["nbr"] == 2


def test_huge_bodies_are_413(client, settings):
    settings.RTB_MAX_BODY_BYTES = 1000
    body = request_body(ext={"padding": "x" * 2000})
    response = post(client, body)
    assert response.status_code == 413
    assert set(response.json()) == {"error", "details", "nbr"}


def test_a_gzip_bomb_is_413(client, settings):
    settings.RTB_MAX_BODY_BYTES = 10_000
    bomb = gzip.compress(b'{"id": "' + b"a" * 1_000_000 + b'"}')
    assert len(bomb) < 10_000
    assert post(client, bomb, HTTP_CONTENT_ENCODING="gzip").status_code == 413


def test_the_openrtb_version_header_is_echoed(client):
    response = post(client, request_body(), HTTP_X_OPENRTB_VERSION="2.5")
    assert response["x-openrtb-version"] == "2.5"


def test_other_methods_are_405(client):
    response = client.get("/openrtb/2.6/bid")
    assert response.status_code == 405
    assert response.json()["nbr"] == 2


def test_valid_requests_with_nothing_to_bid_answer_204_without_a_body(client):
    response = post(client, request_body())
    assert response.status_code == 204
    assert response.content == b""
