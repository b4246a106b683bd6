#!/usr/bin/env python3
"""Drives the TAXII pages of two real Accord nodes' web consoles with a real Chromium
(Debian's chromium and chromium-driver, Selenium from PyPI; scripts/setup installs them).

Usage: taxii-browser-test.py CONFIG.json
CONFIG names two running nodes (aurelia, borealis) with their URLs and an admin operator token
each, console accounts (aurelia: admin and analyst) and the directory for screenshots. The Swift
test TAXIIBrowserTests writes it after starting the nodes.

aurelia's admin adds a collection published to borealis (a refused form first), an account
whose token the page shows once, and rights; a TAXII client posts an indicator with that token
and borealis receives it; the admin stops publishing the collection, deletes the account and
its token stops working; an analyst sees no TAXII link and is refused the page and a posted
form. Prints one line per check and ends with 'N passed, M failed'.
"""
import json, time, traceback, urllib.error, urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from browserkit import api, browser, check, click_and_load, config, finish, labelled, post_by_hand, screenshot, signed_in, wait

TAXII = "application/taxii+json;version=2.1"
A, B = config["aurelia"]["url"], config["borealis"]["url"]
accounts = config["accounts"]
TITLE = "Phishing <i>indicators</i>"
INDICATOR = {"type": "indicator", "spec_version": "2.1", "id": "indicator--6b0f8a2c-1d2e-4f3a-8b4c-00000000b10e",
             "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "name": "Phishing sender",
             "pattern": "[email-addr:value = 'billing@example.com']", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
             "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}  # TLP:GREEN


def taxii(method, url, token, body=None):
    """A TAXII request with a bearer token: (status, parsed body or None)."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Accept": TAXII, "Authorization": "Bearer " + token}
    if data is not None:
        headers["Content-Type"] = TAXII
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method, headers=headers), timeout=30) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, None


def submit(driver, form_id):
    click_and_load(driver, driver.find_element(By.CSS_SELECTOR, "#%s button[type=submit]" % form_id))


admin = browser()
try:
    signed_in(admin, A, accounts["aurelia"]["admin"])
    admin.find_element(By.LINK_TEXT, "TAXII").click()
    wait(admin, lambda d: d.current_url.endswith("/console/taxii"))
    check(admin.find_elements(By.ID, "collections-empty") and admin.find_elements(By.ID, "accounts-empty"), "a new node: no collection, no account")
    labelled(admin, "TAXII")

    # A refused form keeps what was typed and says why; nothing is added.
    admin.find_element(By.ID, "taxii-description").send_keys("Sender addresses of a phishing wave")
    submit(admin, "taxii-collection-form")
    problems = [li.text for li in admin.find_elements(By.CSS_SELECTOR, "#taxii-collection-form .error li")]
    check(any("title" in p for p in problems), "a collection without a title is refused, saying so: %s" % problems)
    check(admin.find_element(By.ID, "taxii-description").get_attribute("value") == "Sender addresses of a phishing wave", "the form keeps what was typed")
    check(api("aurelia", "/api/v1/taxii/collections") == [], "nothing was added")

    admin.find_element(By.ID, "taxii-title").send_keys(TITLE)
    admin.find_element(By.ID, "taxii-share_to-borealis").click()
    submit(admin, "taxii-collection-form")
    wait(admin, lambda d: "?done=added" in d.current_url)
    collection = admin.current_url.split("/collections/")[1].split("?")[0]
    check(admin.find_element(By.TAG_NAME, "h1").text == TITLE, "the collection's page, its title shown as text: %r" % admin.find_element(By.TAG_NAME, "h1").text)
    check(admin.find_element(By.ID, "c-share-to").text == "borealis", "published to borealis")
    listed = api("aurelia", "/api/v1/taxii/collections")
    check(len(listed) == 1 and listed[0]["id"] == collection and listed[0]["share_to"] == ["borealis"], "the operator API sees the same collection")
    screenshot(admin, "taxii-collection")

    # An account: its token is shown once.
    admin.get(A + "/console/taxii")
    admin.find_element(By.ID, "taxii-name").send_keys("misp")
    admin.find_element(By.ID, "taxii-password").send_keys("short")
    submit(admin, "taxii-account-form")
    problems = [li.text for li in admin.find_elements(By.CSS_SELECTOR, "#taxii-account-form .error li")]
    check(any("12" in p for p in problems), "a short password is refused: %s" % problems)
    check(admin.find_element(By.ID, "taxii-password").get_attribute("value") == "", "a refused password is not sent back to the page")
    admin.find_element(By.ID, "taxii-password").send_keys("correct horse battery")
    submit(admin, "taxii-account-form")
    wait(admin, lambda d: d.find_elements(By.ID, "token-value"))
    token = admin.find_element(By.ID, "token-value").text
    check(token.startswith("taxii_") and len(token) == 70, "the new account's token is shown")
    admin.get(A + "/console/taxii")
    check(token not in admin.page_source, "and never again")
    check("bearer token or password" in admin.find_element(By.ID, "acct-misp").text, "the account signs in with its token or password")
    check(taxii("GET", A + "/taxii2/api/collections/%s/objects/" % collection, token)[0] == 403, "without rights the token reads nothing (403)")

    # Rights: read and post.
    form = admin.find_element(By.ID, "taxii-rights-form")
    Select(form.find_element(By.NAME, "account")).select_by_value("misp")
    Select(form.find_element(By.NAME, "collection")).select_by_value(collection)
    write = form.find_element(By.ID, "taxii-write")
    if not write.is_selected():
        write.click()
    submit(admin, "taxii-rights-form")
    wait(admin, lambda d: "?done=rights" in d.current_url)
    check("reads and posts" in admin.find_element(By.ID, "acct-misp").text, "misp reads and posts: %r" % admin.find_element(By.ID, "acct-misp").text)
    labelled(admin, "TAXII with forms")
    screenshot(admin, "taxii")

    # A TAXII client posts with the token; borealis receives the object.
    status, body = taxii("POST", A + "/taxii2/api/collections/%s/objects/" % collection, token, {"objects": [INDICATOR]})
    check(status == 202 and body and body.get("success_count") == 1, "a TAXII client posts an indicator with the token (%s)" % status)
    deadline, received = time.time() + 30, False
    while time.time() < deadline and not received:
        inbound = [c for c in api("borealis", "/api/v1/taxii/collections") if c.get("inbound_peer") == "aurelia"]
        received = bool(inbound)
        time.sleep(0.3)
    check(received, "borealis holds a collection of what aurelia shared")

    # Publishing stops; the account is deleted and its token stops working.
    admin.get(A + "/console/taxii/collections/" + collection)
    admin.find_element(By.ID, "taxii-share_to-borealis").click()
    submit(admin, "taxii-sharing-form")
    wait(admin, lambda d: "?done=sharing" in d.current_url)
    check(admin.find_element(By.ID, "c-share-to").text == "not published", "the collection is no longer published")
    check(api("aurelia", "/api/v1/taxii/collections")[0]["share_to"] == [], "the operator API agrees")
    admin.get(A + "/console/taxii")
    admin.find_element(By.ID, "delete-misp").click()
    wait(admin, lambda d: "?done=deleted" in d.current_url)
    check(not admin.find_elements(By.ID, "acct-misp"), "the account is gone from the list")
    check(taxii("GET", A + "/taxii2/api/collections/%s/objects/" % collection, token)[0] == 401, "its token no longer works (401)")

    # An analyst: no link, no page, no posted form.
    analyst = browser()
    try:
        signed_in(analyst, A, accounts["aurelia"]["analyst"])
        check(not analyst.find_elements(By.LINK_TEXT, "TAXII"), "an analyst is offered no TAXII link")
        analyst.get(A + "/console/taxii")
        check("Not allowed" in analyst.page_source, "an analyst cannot open the TAXII page (403)")
        analyst.get(A + "/console/inbox")
        post_by_hand(analyst, "/console/taxii/accounts", [("name", "intruder")])
        wait(analyst, lambda d: d.current_url.endswith("/console/taxii/accounts"))
        check("Not allowed" in analyst.page_source, "an analyst's posted account form is refused (403)")
        check(not any(a["name"] == "intruder" for a in api("aurelia", "/api/v1/taxii/accounts")), "no account was added")
    finally:
        analyst.quit()
except Exception:
    traceback.print_exc()
    check(False, "the browser run finished")
finally:
    admin.quit()

finish()
