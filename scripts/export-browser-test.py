#!/usr/bin/env python3
"""A court export made from the web console's case page with a real Chromium (Debian's
chromium and chromium-driver, Selenium from PyPI; scripts/setup installs them), opened in the
browser and printed to PDF.

Usage: export-browser-test.py CONFIG.json
CONFIG: {"url": node URL, "account": {"name", "password"}, "case": case id, "events": [event ids],
"fingerprints": [signer key fingerprints], "archive_out": path, "html_out": path,
"screenshots": directory}. The Swift test CourtExportBrowserTests writes it, then verifies the
files this script saves after stopping the nodes. Prints one line per check and ends with
'N passed, M failed'; exits non-zero if any check failed.
"""
import base64, json, os, traceback

from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browserkit import browser, check, config, fetch, finish, shots, signed_in


base = config["url"]
driver = browser()
try:
    signed_in(driver, base, config["account"])

    driver.get(base + "/console/cases/" + config["case"])
    button = driver.find_element(By.ID, "court-export")
    check(button.is_displayed() and "Court export" in button.text, "the case page has a visible court export button")
    archive_link = driver.find_element(By.ID, "court-export-archive").get_attribute("href")
    button.click()
    WebDriverWait(driver, 60).until(lambda d: "Court record" in d.title)
    check(driver.current_url.endswith("/console/cases/%s/export" % config["case"]), "the button opens the record in the browser")

    body = driver.find_element(By.TAG_NAME, "body").text
    for event in config["events"]:
        check(event in body, "the record shows event %s" % event[:12])
    for fp in config["fingerprints"]:
        check(fp in body, "the record shows signer key fingerprint %s…" % fp[:16])
    check(len(driver.find_elements(By.CSS_SELECTOR, "article.event")) == len(config["events"]), "one article per event (%d)" % len(config["events"]))
    check(len(driver.find_elements(By.CSS_SELECTOR, "details.proof")) == len(config["events"]), "a proof bundle embedded for every event")
    check("accord case verify-export" in driver.find_element(By.ID, "verify-command").text, "the record states the command that verifies it")
    check("verified all" in driver.find_element(By.ID, "exporter-check").text, "the exporting node's own check passed")
    check(driver.find_element(By.ID, "exercise").is_displayed(), "the exercise banner is shown")
    check("Claimed time (signed)" in body and "Received by" in body and "Delivery to" in body, "claimed and received times and delivery state are shown")
    check("SHA-256" in body and ("exported" in body or "received" in body), "evidence hashes and custody are shown")
    # Hostile text from the case is shown as text and runs nothing.
    check("<script>alert('court')</script>" in driver.find_element(By.TAG_NAME, "h1").text, "a <script> in the title is shown as text")
    try:
        driver.switch_to.alert
        check(False, "no alert was raised by the case's text")
    except NoAlertPresentException:
        check(True, "no alert was raised by the case's text")
    check(driver.execute_script("return document.querySelectorAll('img').length") == 0, "the <img onerror> in a field made no element")
    # Self-contained: nothing fetched, no external reference, inline CSS only.
    resources = driver.execute_script("return performance.getEntriesByType('resource').map(function(e){return e.name})")
    check(resources == [], "the record made no request (%s)" % resources)
    external = driver.execute_script("""return Array.from(document.querySelectorAll('[src],link,[href]')).map(function(e){return e.outerHTML.slice(0,80)})""")
    check(external == [], "no element refers to anything outside the file %s" % external)
    check(driver.execute_script("return document.styleSheets.length") == 1, "one inline style sheet")
    scripts = driver.execute_script("return Array.from(document.scripts).map(function(s){return s.type})")
    check(scripts == ["application/json"], "the only script element is the embedded JSON archive %s" % scripts)

    driver.save_screenshot(os.path.join(shots, "court-record-1280.png"))
    pdf = base64.b64decode(driver.print_page())
    with open(os.path.join(shots, "court-record.pdf"), "wb") as f:
        f.write(pdf)
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    check(pdf.startswith(b"%PDF") and len(pdf) > 10_000, "the record prints (%d-byte PDF, %d page(s))" % (len(pdf), pages))

    # The files themselves, as the console serves them.
    html, headers = fetch(driver, base + "/console/cases/%s/export" % config["case"])
    check("default-src 'none'" in (headers.get("Content-Security-Policy") or ""), "the record is served under a policy forbidding scripts and requests")
    with open(config["html_out"], "wb") as f:
        f.write(html)
    archive, headers = fetch(driver, archive_link)
    check("attachment" in (headers.get("Content-Disposition") or ""), "the archive link downloads a file")
    parsed = json.loads(archive)
    ids = [e["event_id"] for e in parsed["events"]]
    later = [e["proof"]["event"]["body"].get("action") for e in parsed["events"][len(config["events"]):] if "proof" in e]
    check(parsed["format"] == "accord-case-export/v1" and ids[:len(config["events"])] == config["events"], "the archive holds the case's events in order")
    check(len(later) >= 1 and set(later) == {"exported"}, "the exports from the console are in the evidence's custody (%s)" % later)
    with open(config["archive_out"], "wb") as f:
        f.write(archive)
except Exception:
    traceback.print_exc()
    check(False, "the flow ran to its end")
finally:
    driver.quit()

finish()
