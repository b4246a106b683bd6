#!/usr/bin/env python3
"""The console's statistics page in a real Chromium (Debian's chromium and chromium-driver,
Selenium from PyPI; scripts/setup installs them), against a node holding a scripted history.

Usage: stats-browser-test.py CONFIG.json
CONFIG names the node (url, operator token), a console account of the least role (auditor)
and the directory for screenshots; the Swift test StatsBrowserTests writes it. Checks that the
page's tables and server-drawn SVG charts (with accessible title and description) show the
numbers the API's JSON gives, that the period form, the exercise filter and a bad date work
without JavaScript, and that the CSV and JSON downloads are the API's. Prints one line per
check and ends with 'N passed, M failed'; exits non-zero if any check failed.
"""
import csv, io, json, traceback, urllib.request

from selenium.webdriver.common.by import By

from browserkit import browser, check, click_and_load, config, fetch, finish, screenshot, signed_in

base, token, account = config["url"], config["token"], config["account"]


def api(path):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()


def duration(seconds):
    """As the console shows a time (StatsFormat.duration)."""
    if seconds is None:
        return "–"
    if seconds < 120:
        return "%d s" % seconds if seconds == int(seconds) else "%.1f s" % seconds
    if seconds < 2 * 3600:
        return "%.0f min" % (seconds / 60)
    if seconds < 2 * 86400:
        return "%.1f h" % (seconds / 3600)
    return "%.1f d" % (seconds / 86400)


def table_row(driver, direction, group, name):
    row = driver.find_element(By.CSS_SELECTOR, '#table-%s tr[data-group="%s"][data-name="%s"]' % (direction, group, name))
    return [row.find_element(By.TAG_NAME, "th").text] + [td.text for td in row.find_elements(By.TAG_NAME, "td")]


def chart_bars(driver, chart_id):
    return {g.get_attribute("data-label"): (g.get_attribute("data-median-seconds"), g.get_attribute("data-p90-seconds"))
            for g in driver.find_elements(By.CSS_SELECTOR, "#chart-%s g.bar" % chart_id)}


def seconds_text(v):
    return "" if v is None else repr(float(v))


def main():
    # No script at all: the page must work without JavaScript.
    driver = browser(javascript=False)
    try:
        signed_in(driver, base, account)
        driver.find_element(By.LINK_TEXT, "Statistics").click()
        check(driver.current_url.startswith(base + "/console/stats"), "an auditor reaches the statistics page from the menu")
        check(driver.find_element(By.CSS_SELECTOR, 'nav a[aria-current="page"]').text == "Statistics", "the menu marks the page")

        report = json.loads(api("/api/v1/stats"))
        sent = report["sent"]
        # The SVG chart: present, drawn on the server, with an accessible name and description.
        svg = driver.find_element(By.ID, "chart-sent-ack")
        check(svg.get_attribute("role") == "img", "the chart of acknowledgement times is an image to assistive technology")
        title = driver.find_element(By.ID, "chart-sent-ack-title")
        desc = driver.find_element(By.ID, "chart-sent-ack-desc")
        labelled_by = svg.get_attribute("aria-labelledby").split()
        check(labelled_by == ["chart-sent-ack-title", "chart-sent-ack-desc"], "the chart is labelled by its title and description")
        check(title.tag_name == "title" and "acknowledge" in title.get_attribute("textContent"), "the chart has a <title>: %r" % title.get_attribute("textContent"))
        check(desc.tag_name == "desc" and "Median and 90th percentile" in desc.get_attribute("textContent"), "the chart has a <desc>")
        check(not driver.find_elements(By.CSS_SELECTOR, "script:not([src])"), "no inline script on the page")

        # Every bar carries the API's exact seconds, and the text beside it says the same.
        for chart, key in [("sent-ack", "acknowledge"), ("sent-answer", "answer")]:
            bars = chart_bars(driver, chart)
            expected = {r["name"]: (seconds_text(r["figures"][key + "_median_seconds"]), seconds_text(r["figures"][key + "_p90_seconds"])) for r in sent["by_peer"]}
            check(bars == expected and bars, "%s chart bars match the API: %s" % (chart, bars))
        check_bars = chart_bars(driver, "sent-checks")
        expected_checks = {r["name"]: (seconds_text(r["figures"]["checks"]["answer_median_seconds"]), seconds_text(r["figures"]["checks"]["answer_p90_seconds"])) for r in sent["by_peer"]}
        check(check_bars == expected_checks, "communication check chart matches the API: %s" % check_bars)
        label = driver.find_element(By.CSS_SELECTOR, "#chart-sent-ack g.bar text[text-anchor=end]").get_attribute("textContent")
        check(label == sent["by_peer"][0]["name"], "the bar is labelled with the peer's name")

        # The tables show the API's numbers.
        total = sent["total"]
        row = table_row(driver, "sent", "total", "All")
        check(row[1] == str(total["requests"]) and row[2] == str(total["acknowledged"]), "sent total: requests and acknowledged %s" % row[1:3])
        check(row[3] == duration(total["acknowledge_median_seconds"]) and row[4] == duration(total["acknowledge_p90_seconds"]),
              "sent total: acknowledgement median %s and p90 %s" % (row[3], row[4]))
        check(row[7] == duration(total["answer_median_seconds"]) and row[8] == duration(total["answer_p90_seconds"]),
              "sent total: answer median %s and p90 %s" % (row[7], row[8]))
        check(row[9] == "%d %%" % round(total["answered_within_deadline"] * 100) or row[9] == "%.1f %%" % (total["answered_within_deadline"] * 100),
              "sent total: answered in time %s" % row[9])
        check(row[10] == "%d / %d" % (total["overdue_acknowledgements"], total["overdue_answers"]), "sent total: overdue %s" % row[10])
        check(row[11] == "%d / %d" % (total["checks"]["answered"], total["checks"]["sent"]), "sent total: checks %s" % row[11])
        outcomes = driver.find_element(By.ID, "stats-sent").text
        for name, n in total["outcomes"].items():
            check("%s: %d" % (name.replace("_", " "), n) in outcomes, "outcome %s: %d shown" % (name, n))
        for name, n in total["refusal_grounds"].items():
            check("%s: %d" % (name.replace("_", " "), n) in outcomes, "refusal ground %s: %d shown" % (name, n))
        screenshot(driver, "stats")

        # Fields are labelled; the page works without JavaScript (it is switched off).
        fields = driver.find_elements(By.CSS_SELECTOR, "#stats-form input, #stats-form select")
        unlabelled = [f.get_attribute("name") for f in fields
                      if not driver.find_elements(By.CSS_SELECTOR, 'label[for="%s"]' % f.get_attribute("id"))]
        check(not unlabelled, "every field of the period form has a label %s" % (unlabelled or ""))

        # The period form: the scripted history's day, then the exercise only.
        history_day = config["day"]
        form = driver.find_element(By.ID, "stats-form")
        form.find_element(By.NAME, "from").clear(); form.find_element(By.NAME, "from").send_keys(history_day)
        form.find_element(By.NAME, "to").clear(); form.find_element(By.NAME, "to").send_keys(history_day)
        click_and_load(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        in_day = json.loads(api("/api/v1/stats?from=%s&to=%s" % (history_day, history_day)))
        row = table_row(driver, "sent", "total", "All")
        check(row[1] == str(in_day["sent"]["total"]["requests"]) and in_day["sent"]["total"]["requests"] > 0,
              "the period form narrows to %s: %s requests" % (history_day, row[1]))
        check("from=%s" % history_day in driver.current_url, "the period is in the address, to bookmark: %s" % driver.current_url)

        driver.find_element(By.ID, "stats-exercise").click()
        click_and_load(driver, driver.find_element(By.CSS_SELECTOR, "#stats-form button[type=submit]"))
        drill = json.loads(api("/api/v1/stats?from=%s&to=%s&exercise=only" % (history_day, history_day)))
        row = table_row(driver, "sent", "total", "All")
        check(driver.find_elements(By.CSS_SELECTOR, ".banner.exercise"), "exercise figures carry the exercise banner")
        check(row[1] == str(drill["sent"]["total"]["requests"]) and row[3] == duration(drill["sent"]["total"]["acknowledge_median_seconds"]),
              "exercise only: %s request(s), acknowledged in %s, apart from the real ones" % (row[1], row[3]))
        screenshot(driver, "stats-exercise")

        # The downloads are the API's numbers for the same period.
        href = driver.find_element(By.ID, "stats-csv").get_attribute("href")
        body, headers = fetch(driver, href)
        check(headers["Content-Type"].startswith("text/csv") and "attachment" in headers.get("Content-Disposition", ""), "the CSV link downloads text/csv")
        query = href.split("?", 1)[1]
        check(body == api("/api/v1/stats?" + query), "the console's CSV is the API's CSV, byte for byte")
        rows = list(csv.DictReader(io.StringIO(body.decode())))
        sent_total = [r for r in rows if r["direction"] == "sent" and r["group"] == "total"][0]
        check(sent_total["requests"] == str(drill["sent"]["total"]["requests"]), "the CSV counts the exercise alone: %s" % sent_total["requests"])
        href = driver.find_element(By.ID, "stats-json").get_attribute("href")
        body, headers = fetch(driver, href)
        downloaded = json.loads(body)
        check(downloaded["sent"] == drill["sent"] and downloaded["received"] == drill["received"], "the JSON download holds the API's numbers")

        # A bad date: the form again, with the problem named, nothing else.
        form = driver.find_element(By.ID, "stats-form")
        form.find_element(By.NAME, "from").clear(); form.find_element(By.NAME, "from").send_keys("last tuesday")
        click_and_load(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        error = driver.find_elements(By.ID, "stats-error")
        check(error and "from" in error[0].text, "a bad date is refused naming it: %s" % (error[0].text if error else "no message"))
        check(not driver.find_elements(By.CSS_SELECTOR, "svg.chart"), "no chart is drawn for a refused period")
        check(driver.find_element(By.NAME, "from").get_attribute("value") == "last tuesday", "the form keeps what was typed")
        screenshot(driver, "stats-error")
    except Exception:
        traceback.print_exc()
        check(False, "the browser session ran to the end")
    finally:
        driver.quit()
    finish()


if __name__ == "__main__":
    main()
