#!/usr/bin/env python3
"""Drives the web console of real Accord nodes with a real Chromium (Debian's chromium and
chromium-driver, Selenium from PyPI; scripts/setup installs them).

Usage: console-browser-test.py CONFIG.json
CONFIG names two running nodes (aurelia opens, borealis is addressed) with their URLs, an
operator token for aurelia, and console accounts (borealis's officer has a TOTP secret, as
printed by `accord account totp`), and the directory for screenshots. The Swift test
ConsoleBrowserTests writes it after starting the nodes. Prints one line per check and ends with
'N passed, M failed'; exits non-zero if any check failed.
"""
import base64, hashlib, hmac, os, struct, tempfile, time, traceback

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from browserkit import api, browser, check, click_and_load, config, fetch, finish, labelled, login, post_by_hand, screenshot, wait


def totp(secret_base32, at=None):
    """RFC 6238: HMAC-SHA1 over the 30-second step, 6 digits."""
    key = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    step = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return "%06d" % (value % 1_000_000)


def fill(driver, form_id, values):
    form = driver.find_element(By.ID, form_id)
    for name, value in values.items():
        field = form.find_element(By.NAME, name)
        if field.tag_name == "select":
            Select(field).select_by_value(value)
        elif field.get_attribute("type") == "checkbox":
            form.find_element(By.CSS_SELECTOR, 'input[name="%s"][value="%s"]' % (name, value)).click()
        else:
            field.clear()
            field.send_keys(value)
    click_and_load(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))


A, B = config["aurelia"]["url"], config["borealis"]["url"]
accounts = config["accounts"]
sender, duty = browser(), browser()
try:
    # Sign-in without a second factor (aurelia) and with TOTP (borealis).
    sender.get(A + "/console/login")
    labelled(sender, "login")
    # The name field has the focus on arrival; Tab then walks the form in reading order.
    def focused():
        e = sender.switch_to.active_element
        return e.get_attribute("id") or e.tag_name
    order = [focused()]
    for _ in range(3):
        sender.switch_to.active_element.send_keys(Keys.TAB)
        order.append(focused())
    check(order == ["login-name", "login-password", "login-code", "button"], "login focus order by keyboard: %s" % order)
    screenshot(sender, "login")
    login(sender, A, accounts["aurelia"]["officer"])
    wait(sender, lambda d: d.current_url.endswith("/console/inbox"))
    check("Inbox" in sender.title, "aurelia officer signed in with a password")

    login(duty, B, accounts["borealis"]["officer"])
    check("wrong" in duty.find_element(By.ID, "login-error").text, "borealis officer without a TOTP code is refused")
    login(duty, B, accounts["borealis"]["officer"], totp(accounts["borealis"]["officer"]["totp"]))
    wait(duty, lambda d: d.current_url.endswith("/console/inbox"))
    check("Inbox" in duty.title, "borealis officer signed in with password and TOTP code")
    duty.execute_script("window.notReloaded = true")

    # aurelia opens a preservation request through the form; it appears in borealis's inbox live.
    sender.get(A + "/console/cases/new?kind=preservation")
    labelled(sender, "open a case")
    screenshot(sender, "open-case")
    click_and_load(sender, sender.find_element(By.CSS_SELECTOR, "#open-case button[type=submit]"))
    errors = sender.find_elements(By.CSS_SELECTOR, "#open-case .error li")
    check(len(errors) >= 8, "an empty request form reports every problem at once (%d)" % len(errors))
    fill(sender, "open-case", {
        "title": "Preserve mailbox records", "to": "borealis",
        "f.authority": "Aurelia Public Prosecutor's Office", "f.offence": "Extortion (ransomware)",
        "f.facts": "A hospital's systems were encrypted; the ransom note names a mailbox.",
        "f.data": "Subscriber data and logs of the mailbox", "f.relationship": "Used to negotiate the ransom",
        "f.custodian": "Borealis Mail Ltd.", "f.necessity": "Logs are deleted after 30 days", "f.mla_to_follow": "true",
        "norms": "13(d)",
    })
    wait(sender, lambda d: "/console/cases/" in d.current_url and "done=open" in d.current_url)
    case_id = sender.current_url.split("/console/cases/")[1][:64]
    check(len(case_id) == 64, "case opened through the form: %s" % case_id[:12])

    item = wait(duty, lambda d: d.find_elements(By.CSS_SELECTOR, '#incoming a[href="/console/cases/%s"]' % case_id))
    check(bool(item), "the new request appeared in borealis's inbox without a reload")
    check(duty.execute_script("return window.notReloaded === true"), "the inbox page was not reloaded")
    time.sleep(3.2)  # let the highlight fade before the picture
    screenshot(duty, "inbox")
    labelled(duty, "inbox")

    # borealis acknowledges, asks for information; aurelia provides it; borealis answers.
    item[0].click()
    wait(duty, lambda d: d.find_elements(By.ID, "step-acknowledge"))
    labelled(duty, "case")
    check("Borealis Mail Ltd." in duty.page_source, "the case page shows every field of the request")
    check(not duty.find_elements(By.ID, "step-close"), "only the initiator may close: no close form for borealis")
    fill(duty, "step-acknowledge", {"note": "Received; preservation under way."})
    wait(duty, lambda d: "done=acknowledge" in d.current_url)
    check("Signed and sent: Acknowledge receipt." in duty.page_source, "borealis acknowledged through the form")
    check(not duty.find_elements(By.ID, "step-acknowledge"), "no second acknowledgement is offered")
    screenshot(duty, "case")

    # A forged anti-forgery token is refused.
    duty.execute_script("document.querySelector('#step-request_information input[name=csrf]').value = '00' + 'f'.repeat(62)")
    fill(duty, "step-request_information", {"questions": "forged"})
    check("anti-forgery" in duty.find_element(By.ID, "error-message").text, "a form with a forged CSRF token is refused (403)")
    duty.get(B + "/console/cases/" + case_id)
    fill(duty, "step-request_information", {"questions": "Which mailbox address exactly?"})
    wait(duty, lambda d: "done=request_information" in d.current_url)
    check("forged" not in duty.page_source, "nothing was signed for the forged form")

    sender.get(A + "/console/inbox")
    wait(sender, lambda d: "Information requested" in d.page_source, 30)
    sender.get(A + "/console/cases/" + case_id)
    wait(sender, lambda d: d.find_elements(By.ID, "step-provide_information"))
    form = sender.find_element(By.ID, "step-provide_information")
    request_option = [o.get_attribute("value") for o in form.find_elements(By.CSS_SELECTOR, "select[name=in_reply_to] option") if o.get_attribute("value")]
    check(len(request_option) == 1, "the open information request is offered to reply to")
    fill(sender, "step-provide_information", {"information": "ransom-2026@mail.borealis.example", "in_reply_to": request_option[0]})
    wait(sender, lambda d: "done=provide_information" in d.current_url)
    check(True, "aurelia provided the information through the form")

    duty.get(B + "/console/cases/" + case_id)
    wait(duty, lambda d: "ransom-2026@mail.borealis.example" in d.page_source, 30)
    fill(duty, "step-answer", {"outcome": "refused"})
    problems = duty.find_elements(By.CSS_SELECTOR, "#step-answer .error li")
    check(len(problems) == 2, "a refusal without grounds or reason reports both problems (%d)" % len(problems))
    fill(duty, "step-answer", {"outcome": "granted", "details": "Data preserved for 90 days."})
    wait(duty, lambda d: "done=answer" in d.current_url)
    check(True, "borealis answered through the form")

    # borealis attaches the preserved log as evidence through the form: Chromium streams the file
    # as multipart/form-data; aurelia receives it, decrypts it and serves the same bytes.
    fill(duty, "attach-evidence", {"description": "nothing chosen"})
    check("File: choose a file" in duty.page_source and "nothing chosen" in duty.page_source,
          "the attach form without a file says so and keeps what was typed")
    evidence_bytes = b"".join(b"%06d mailbox access from 203.0.113.%d\r\n" % (i, i % 250) for i in range(40000))
    with tempfile.NamedTemporaryFile(suffix=".log", prefix="mailbox-", delete=False) as f:
        f.write(evidence_bytes)
        evidence_path = f.name
    duty.find_element(By.ID, "evidence-file").send_keys(evidence_path)
    fill(duty, "attach-evidence", {"description": "Access log of the mailbox, 30 days", "collected_by": "Borealis Mail Ltd.",
                                   "collected_at": "2026-12-01T10:00:00Z"})
    wait(duty, lambda d: "done=evidence" in d.current_url)
    row = duty.find_element(By.CSS_SELECTOR, "#evidence tbody tr")
    check(os.path.basename(evidence_path) in row.text and "available" in row.text, "the file is listed on borealis's case page: %s" % row.text[:80])
    screenshot(duty, "evidence-attached")
    sha = hashlib.sha256(evidence_bytes).hexdigest()
    listed = wait(sender, lambda d: [e for e in api("aurelia", "/api/v1/cases/%s/evidence" % case_id) if e["state"] == "available"], 60)
    check(listed[0]["sha256"] == sha and listed[0]["collected_by"] == "Borealis Mail Ltd.", "aurelia holds the file with its record and hash")
    body, _ = fetch(sender, A + "/console/evidence/" + listed[0]["event"])
    check(body == evidence_bytes, "aurelia's officer downloads exactly the bytes borealis's browser sent (%d bytes)" % len(body))
    os.unlink(evidence_path)

    sender.get(A + "/console/cases/" + case_id)
    wait(sender, lambda d: "Data preserved for 90 days." in d.page_source, 30)
    fill(sender, "step-extend", {"preserve_until": "2031-01-01T00:00:00Z", "reason": "The MLA request is on its way."})
    wait(sender, lambda d: "done=extend" in d.current_url)
    check(True, "aurelia extended the preservation through the form")
    fill(sender, "step-close", {"reason": "MLA request sent."})
    wait(sender, lambda d: "done=close" in d.current_url)
    check("closed" in sender.find_element(By.CSS_SELECTOR, "main .meta").text, "aurelia closed the case")
    state = api("aurelia", "/api/v1/cases/" + case_id)["state"]
    check(state["status"] == "closed" and state["parties"]["borealis"]["status"] == "answered", "aurelia's node holds the case closed and answered")
    check(state["deadlines"]["preserve_until"].startswith("2031-01-01"), "the extension is in the case's deadlines")

    # Search: words from the request's facts and from a step's text find the case; a word in no
    # case finds nothing; the start of the id finds it too; a query FTS cannot read is a clear error.
    def search(driver, base, text):
        driver.get(base + "/console/cases")
        box = driver.find_element(By.ID, "q")
        box.clear()
        box.send_keys(text)
        box.send_keys(Keys.RETURN)
        wait(driver, lambda d: "q=" in d.current_url and d.find_element(By.ID, "q").get_attribute("value") == text)
        return driver.page_source
    found = search(sender, A, "hospital ransom")
    check(("/console/cases/" + case_id) in found, "searching the request's facts (hospital ransom) finds the case")
    found = search(duty, B, "\"MLA request\"")
    check(("/console/cases/" + case_id) in found, "searching a phrase from a step finds the case on the other node")
    found = search(sender, A, "zebrafish")
    check(("/console/cases/" + case_id) not in found and "No cases match" in found, "a word in no case finds nothing")
    found = search(sender, A, case_id[:8])
    check(("/console/cases/" + case_id) in found, "the first 8 digits of the id find the case")
    screenshot(sender, "search")

    # An analyst reads but cannot sign; an auditor changes nothing.
    for role in ["analyst", "auditor"]:
        duty.find_element(By.CSS_SELECTOR, "form.logout button").click()
        wait(duty, lambda d: d.current_url.endswith("/console/login"))
        login(duty, B, accounts["borealis"][role])
        wait(duty, lambda d: d.current_url.endswith("/console/inbox"))
        duty.get(B + "/console/cases/" + case_id)
        check(not duty.find_elements(By.CSS_SELECTOR, "form[id^=step-]") and "only an officer or admin signs" in duty.page_source,
              "%s sees the case without step forms" % role)
        duty.get(B + "/console/cases/new")
        check("needs the officer role" in duty.page_source, "%s cannot open the form to sign a case" % role)
        duty.get(B + "/console/cases/" + case_id)
        # A step form made by hand with the session's own token is still refused by role.
        post_by_hand(duty, "steps", [("type", "propose_conditions"), ("conditions", "by hand")])
        wait(duty, lambda d: d.find_elements(By.ID, "error-message"))
        check("needs the officer role" in duty.page_source, "%s cannot sign a step even with a valid form" % role)
    events = [e["type"] for e in api("aurelia", "/api/v1/cases/%s/events" % case_id)]
    check("case.conditions_proposed" not in events, "nothing the analyst or auditor tried was signed")
except Exception:
    traceback.print_exc()
    check(False, "the browser run finished")
finally:
    sender.quit()
    duty.quit()

finish()
