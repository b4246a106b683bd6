#!/usr/bin/env python3
"""A communication check answered by a person in a real Chromium (Debian's chromium and
chromium-driver, Selenium from PyPI; scripts/setup installs them).

Usage: checks-browser-test.py CONFIG.json
CONFIG names two running nodes (aurelia sends the checks, borealis answers them) with their
URLs and operator tokens, console accounts (aurelia's officer; borealis's officer and analyst)
and the directory for screenshots. The Swift test CheckBrowserTests writes it after starting
the nodes. Prints one line per check and ends with 'N passed, M failed'; exits non-zero if any
check failed.
"""
import re, time, traceback

from selenium.webdriver.common.by import By

from browserkit import api, browser, check, config, finish, labelled, screenshot, signed_in, wait


def has(driver, element_id):
    return len(driver.find_elements(By.ID, element_id)) > 0


A, B = config["aurelia"]["url"], config["borealis"]["url"]
accounts = config["accounts"]
sender, duty, reader = browser(), browser(), browser()
try:
    signed_in(sender, A, accounts["aurelia"]["officer"])
    signed_in(duty, B, accounts["borealis"]["officer"])
    signed_in(reader, B, accounts["borealis"]["analyst"])
    duty.execute_script("window.notReloaded = true")

    # aurelia sends a check to borealis; it appears in the duty officer's inbox without a reload,
    # with its deadline and one button.
    sent = api("aurelia", "/api/v1/checks", {"to": ["borealis"], "message": "Weekly communication check: please answer."})
    check([s["peer"] for s in sent["sent"]] == ["borealis"], "aurelia sent a check to borealis")
    first = sent["sent"][0]["check"]
    button = "answer-check-" + first[:12]
    wait(duty, lambda d: has(d, button))
    check(duty.execute_script("return window.notReloaded === true"), "the check appeared in borealis's inbox live, without a reload")
    item = duty.find_element(By.ID, button).find_element(By.XPATH, "./ancestor::li")
    check("To answer (communication check)" in item.text, "the inbox says what to do: %r" % item.text.splitlines()[0])
    check("due" in item.text and first[:12] in item.text, "the item shows the check's deadline and id")
    check(duty.find_element(By.ID, button).text == "Answer the check", "one button: Answer the check")
    # Delivered (the transport acknowledgement) before anyone answered.
    listed = [c for c in api("aurelia", "/api/v1/checks") if c["id"] == first][0]
    check(listed["status"] == "open" and "answer_seconds" not in listed["parties"][0], "aurelia: open, not answered yet")
    check("delivered_at" in listed["parties"][0], "aurelia: the transport acknowledgement is recorded (%s)" % listed["parties"][0].get("delivered_at"))
    screenshot(duty, "check-inbox")
    labelled(duty, "inbox with a check")

    # The analyst sees the check but has no button: answering is signed by an officer.
    reader.get(B + "/console/inbox")
    check(first[:12] in reader.find_element(By.ID, "incoming").text, "the analyst sees the check in the inbox")
    check(not has(reader, button), "the analyst has no answer button")

    # The person on duty takes a moment, then answers with one click.
    time.sleep(2.5)
    duty.find_element(By.ID, button).click()
    wait(duty, lambda d: "/console/cases/" + first in d.current_url and "done=acknowledge" in d.current_url)
    check("Signed and sent" in duty.find_element(By.CLASS_NAME, "flash").text, "borealis: the answer was signed and sent")
    duty.get(B + "/console/inbox")
    check(not has(duty, button), "the answered check left borealis's inbox")

    # aurelia sees the human answer time: on the case page, in the list, apart from delivery.
    def answered(d):
        d.get(A + "/console/cases/" + first)
        return "borealis: acknowledged" in d.page_source
    wait(sender, answered)
    party = sender.find_element(By.XPATH, "//h3[contains(., 'borealis: acknowledged')]/ancestor::div[@class='party']").text
    seconds = re.search(r"after (\d+) s", party)
    check(seconds is not None and int(seconds.group(1)) >= 2, "aurelia's case page shows the answer time: %r" % party)
    human = re.search(r"check answered by a person after ([0-9.]+) s", party)
    delivery = re.search(r"check delivered to its node \S+ \(after ([0-9.]+) s\)", party)
    check(human is not None and float(human.group(1)) >= 2.5, "aurelia's case page shows the human answer time")
    check(delivery is not None and float(delivery.group(1)) < float(human.group(1) if human else 0), "…and, apart, the transport acknowledgement")
    screenshot(sender, "check-answered")
    listed = [c for c in api("aurelia", "/api/v1/checks") if c["id"] == first][0]
    p = listed["parties"][0]
    check(listed["status"] == "answered", "aurelia: the check is answered")
    check(p.get("answer_seconds", 0) >= 2.5, "aurelia: human answer time %.3f s (from the check's signing to the answer's)" % p.get("answer_seconds", -1))
    check(p.get("delivered_seconds", 99) < p.get("answer_seconds", 0), "aurelia: delivery (%.3f s) kept apart from the answer" % p.get("delivered_seconds", -1))

    # A second check, answered from the case page with a message.
    second = api("aurelia", "/api/v1/checks", {"to": ["borealis"]})["sent"][0]["check"]
    check(second != first, "a new check once the first was answered (the first is closed as answered)")
    wait(duty, lambda d: (d.get(B + "/console/cases/" + second), has(d, "step-acknowledge"))[1])
    forms = duty.find_elements(By.CSS_SELECTOR, "form[id^=step-]")
    check([f.get_attribute("id") for f in forms] == ["step-acknowledge"], "the case page of a check offers one step: answer it")
    check(duty.find_element(By.CSS_SELECTOR, "#step-acknowledge button").text == "Answer the check", "its button: Answer the check")
    labelled(duty, "check case page")
    duty.find_element(By.ID, "acknowledge-note").send_keys("On duty, reading you.")
    duty.find_element(By.CSS_SELECTOR, "#step-acknowledge button").click()
    wait(duty, lambda d: "done=acknowledge" in d.current_url)
    wait(sender, lambda d: (d.get(A + "/console/cases/" + second), "On duty, reading you." in d.page_source)[1])
    check(True, "aurelia reads the answer's message in the timeline")
    first_state = api("aurelia", "/api/v1/cases/" + first)["state"]
    check(first_state["status"] == "closed", "the first check is closed")
except Exception:
    traceback.print_exc()
    check(False, "the flow ran to its end")
finally:
    for d in (sender, duty, reader):
        d.quit()

finish()
