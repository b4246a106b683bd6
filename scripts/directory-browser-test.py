#!/usr/bin/env python3
"""Drives the directory pages of two real Accord nodes' web consoles with a real Chromium
(Debian's chromium and chromium-driver, Selenium from PyPI; scripts/setup installs them).

Usage: directory-browser-test.py CONFIG.json
CONFIG names two running nodes (aurelia, borealis) with their URLs and an admin operator token
each, console accounts (aurelia: admin and analyst; borealis: auditor) and the directory for
screenshots. The Swift test DirectoryBrowserTests writes it after starting the nodes.

An admin of aurelia changes its profile through the console form (a refused form first);
borealis's auditor sees the new profile in borealis's directory once it is delivered (escaped:
the organisation holds markup), searches by words, country and language, filters by role, and
reads aurelia's key history; an auditor and an analyst cannot edit (no link, 403 for the page
and for a posted form). Prints one line per check and ends with 'N passed, M failed'.
"""
import time, traceback

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from browserkit import api, browser, check, click_and_load, config, finish, labelled, post_by_hand, screenshot, signed_in, wait


def set_line(form, name, value):
    field = form.find_element(By.NAME, name)
    field.clear()
    field.send_keys(value)


def set_roles(form, wanted):
    for box in form.find_elements(By.CSS_SELECTOR, 'input[name="roles"]'):
        if box.is_selected() != (box.get_attribute("value") in wanted):
            box.click()


def rows(driver):
    return [r.get_attribute("id")[4:] for r in driver.find_elements(By.CSS_SELECTOR, "#directory tbody tr")]


def search(driver, base, q="", role="", country="", language=""):
    driver.get(base + "/console/directory")
    form = driver.find_element(By.CSS_SELECTOR, "form[role=search]")
    set_line(form, "q", q)
    Select(form.find_element(By.NAME, "role")).select_by_value(role)
    Select(form.find_element(By.NAME, "country")).select_by_value(country)
    set_line(form, "language", language)
    click_and_load(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    wait(driver, lambda d: "/console/directory?" in d.current_url)
    return rows(driver)


A, B = config["aurelia"]["url"], config["borealis"]["url"]
accounts = config["accounts"]
ORG = "Aurelia National CERT <b>24/7</b>"
admin, reader = browser(), browser()
try:
    # aurelia's admin: the directory, then the profile form.
    signed_in(admin, A, accounts["aurelia"]["admin"])
    admin.get(A + "/console/directory")
    check(rows(admin)[:1] == ["aurelia"], "the node itself is listed first: %s" % rows(admin))
    check("this node" in admin.find_element(By.ID, "dir-aurelia").text, "the node's own row is marked")
    labelled(admin, "directory")
    admin.find_element(By.ID, "edit-profile").click()
    wait(admin, lambda d: d.current_url.endswith("/console/profile"))
    labelled(admin, "profile form")
    form = admin.find_element(By.ID, "profile-form")
    set_roles(form, [])
    set_line(form, "time_zone", "Mars/Olympus")
    set_line(form, "languages", "english!")
    click_and_load(admin, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    problems = [li.text for li in admin.find_elements(By.CSS_SELECTOR, "#profile-form .error li")]
    check(len(problems) == 3 and any("Time zone" in p for p in problems) and any("Handles" in p for p in problems)
          and any("Working languages" in p for p in problems), "a bad form names every field at fault: %s" % problems)
    check(admin.find_element(By.ID, "profile-time_zone").get_attribute("value") == "Mars/Olympus", "the form keeps what was typed")
    check(api("aurelia", "/api/v1/profile")["profile"].get("profile_version") == 1, "nothing was signed for the refused form")
    screenshot(admin, "profile-form-errors")

    form = admin.find_element(By.ID, "profile-form")
    set_line(form, "organisation", ORG)
    set_line(form, "country", "AT")
    set_roles(form, ["technical", "law_enforcement_24_7"])
    set_line(form, "languages", "de, en")
    set_line(form, "hours", "Mon-Sun 00:00-24:00")
    set_line(form, "time_zone", "Europe/Vienna")
    click_and_load(admin, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    wait(admin, lambda d: "/console/directory/aurelia?done=profile" in d.current_url)
    check("signed and is on its way" in admin.find_element(By.CSS_SELECTOR, ".flash").text, "the admin saved the profile: signed and sent")
    check(admin.find_element(By.ID, "p-time-zone").text == "Europe/Vienna" and admin.find_element(By.ID, "p-version").text == "2",
          "the node's own page shows version 2 in Europe/Vienna")
    screenshot(admin, "directory-own")

    # borealis's auditor: the new profile arrives in borealis's directory.
    signed_in(reader, B, accounts["borealis"]["auditor"])
    deadline = time.time() + 30
    while time.time() < deadline:
        reader.get(B + "/console/directory")
        if ORG in reader.find_element(By.ID, "dir-aurelia").text:
            break
        time.sleep(0.5)
    row = reader.find_element(By.ID, "dir-aurelia")
    check(ORG in row.text, "borealis's directory shows aurelia's new profile: %r" % row.text)
    check(not row.find_elements(By.TAG_NAME, "b"), "a peer's markup is shown as text, not run as HTML")
    check("Europe/Vienna" in row.text and "Law enforcement 24/7" in row.text and "de, en" in row.text, "hours' time zone, roles and languages shown")
    check(not reader.find_elements(By.ID, "edit-profile"), "an auditor is offered no edit link")
    labelled(reader, "directory (auditor)")
    screenshot(reader, "directory")

    # Search by words, country and language; filter by role (who handles what).
    check(search(reader, B, q="national cert") == ["aurelia"], "search by organisation words")
    check(search(reader, B, country="AT") == ["aurelia"], "search by country")
    check(search(reader, B, country="XT") == ["borealis"], "the other country")
    check(search(reader, B, language="de") == ["aurelia"], "search by language")
    check(search(reader, B, role="law_enforcement_24_7") == ["aurelia"], "who handles law enforcement 24/7")
    check(sorted(search(reader, B, role="technical")) == ["aurelia", "borealis"], "who handles technical")
    check(search(reader, B, role="diplomatic") == [] and reader.find_elements(By.ID, "directory-empty"), "nobody handles diplomatic: said so")
    check(Select(reader.find_element(By.NAME, "role")).first_selected_option.get_attribute("value") == "diplomatic", "the filter stays chosen")

    # aurelia's page on borealis: every field, fingerprints, key history.
    reader.get(B + "/console/directory/aurelia")
    check(reader.find_element(By.ID, "p-organisation").text == ORG and reader.find_element(By.ID, "p-version").text == "2", "aurelia's page on borealis")
    fingerprint = api("aurelia", "/api/v1/profile")["profile"]["signing_key_fingerprint"]
    check(reader.find_element(By.ID, "p-signing").text == fingerprint, "the signing key fingerprint is aurelia's")
    history = reader.find_elements(By.CSS_SELECTOR, "#key-history tbody tr")
    check(len(history) == 2 and all("current" in h.text for h in history), "key history: one signing and one encryption key, both current")
    screenshot(reader, "directory-peer")

    # Neither an auditor nor an analyst edits.
    reader.get(B + "/console/profile")
    check("Not allowed" in reader.title or "Not allowed" in reader.page_source, "an auditor cannot open the profile form (403)")
    analyst = browser()
    try:
        signed_in(analyst, A, accounts["aurelia"]["analyst"])
        analyst.get(A + "/console/directory")
        check(not analyst.find_elements(By.ID, "edit-profile"), "an analyst is offered no edit link")
        analyst.get(A + "/console/profile")
        check("Not allowed" in analyst.page_source, "an analyst cannot open the profile form (403)")
        analyst.get(A + "/console/directory")
        # A hand-made form with the analyst's own anti-forgery token: the role is still refused.
        post_by_hand(analyst, "/console/profile", [("organisation", "Taken over"), ("country", "AT"), ("roles", "technical"), ("languages", "en"), ("hours", "24/7")])
        wait(analyst, lambda d: d.current_url.endswith("/console/profile"))
        check("Not allowed" in analyst.page_source, "an analyst's posted profile form is refused (403)")
        profile = api("aurelia", "/api/v1/profile")["profile"]
        check(profile["organisation"] == ORG and profile["profile_version"] == 2, "aurelia's profile is unchanged")
    finally:
        analyst.quit()
except Exception:
    traceback.print_exc()
    check(False, "the browser run finished")
finally:
    admin.quit()
    reader.quit()

finish()
