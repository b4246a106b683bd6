"""What the console's browser tests share: the test's configuration (written by the Swift test
that started the nodes, named by the first argument), one tally of checks, Debian's Chromium
driven by Selenium, and the steps every flow takes (sign in, screenshots at two widths, labels,
the operator API, a download with the browser's session)."""
import json, os, sys, time, urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

config = json.load(open(sys.argv[1]))
shots = config["screenshots"]
os.makedirs(shots, exist_ok=True)
tally = {"passed": 0, "failed": 0}


def check(ok, what):
    tally["passed" if ok else "failed"] += 1
    print(("ok   " if ok else "FAIL ") + what, flush=True)


def finish():
    """Prints the tally and exits non-zero if any check failed."""
    print("%d passed, %d failed" % (tally["passed"], tally["failed"]), flush=True)
    sys.exit(1 if tally["failed"] else 0)


def browser(javascript=True):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800", "--disable-gpu"]:
        options.add_argument(arg)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
    driver.set_window_size(1280, 800)
    return driver


def wait(driver, condition, seconds=20):
    return WebDriverWait(driver, seconds, poll_frequency=0.2).until(lambda d: condition(d))


def click_and_load(driver, element, seconds=60):
    """Clicks `element` (a form's submit button, a link) and waits until the page it leads to has
    replaced this one: what follows reads the answer, never the page the click left."""
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def replaced(_):
        try:
            page.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException:
            return False  # between two documents a command may fail otherwise: ask again
    WebDriverWait(driver, seconds, poll_frequency=0.2).until(replaced)


def screenshot(driver, name):
    """The page at 1280×800 and on a 390-pixel-wide phone screen."""
    for width, height, label in [(1280, 800, "1280"), (390, 844, "390")]:
        driver.set_window_size(width, height)
        time.sleep(0.2)
        driver.save_screenshot(os.path.join(shots, "%s-%s.png" % (name, label)))
    driver.set_window_size(1280, 800)
    size = len(driver.page_source.encode())
    check(size < 100_000, "%s page weighs %d bytes (< 100 KB)" % (name, size))


def labelled(driver, page):
    """Every visible field has a label (or is a checkbox inside its label)."""
    missing = driver.execute_script("""
        var out = [];
        document.querySelectorAll('input:not([type=hidden]), select, textarea').forEach(function(e){
          if (!(e.id && document.querySelector('label[for="' + e.id + '"]')) && !e.closest('label')) out.push(e.name || e.outerHTML);
        });
        return out;""")
    check(not missing, "%s: every field has a label %s" % (page, missing or ""))


def login(driver, base, account, code=None):
    """Submits the sign-in form (the caller looks at where it led)."""
    driver.get(base + "/console/login")
    driver.find_element(By.ID, "login-name").send_keys(account["name"])
    driver.find_element(By.ID, "login-password").send_keys(account["password"])
    if code:
        driver.find_element(By.ID, "login-code").send_keys(code)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()


def signed_in(driver, base, account):
    """Signs in and waits for the inbox."""
    login(driver, base, account)
    wait(driver, lambda d: d.current_url.endswith("/console/inbox"))


def api(node, path, body=None):
    """The operator API of `config[node]` (GET, or POST of `body`), as parsed JSON."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(config[node]["url"] + path, data=data, method="GET" if body is None else "POST",
                                     headers={"Authorization": "Bearer " + config[node]["token"], "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request, timeout=30))


def fetch(driver, url):
    """GET with the browser's session cookie, as the browser follows a download link: (bytes, headers)."""
    cookie = "; ".join("%s=%s" % (c["name"], c["value"]) for c in driver.get_cookies())
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie}), timeout=60) as r:
        return r.read(), r.headers


def post_by_hand(driver, action, fields):
    """Posts a form made in the page with the session's own anti-forgery token and `fields`
    (name, value pairs) to `action` (a path; relative to the current one without a leading /):
    what someone would try to get past a role check."""
    driver.execute_script("""
        var action = arguments[0], fields = arguments[1];
        var f = document.createElement('form'); f.method = 'post';
        f.action = action.charAt(0) == '/' ? action : location.pathname + '/' + action;
        [['csrf', document.querySelector('form.logout input[name=csrf]').value]].concat(fields).forEach(function(p){
          var i = document.createElement('input'); i.type = 'hidden'; i.name = p[0]; i.value = p[1]; f.appendChild(i); });
        document.body.appendChild(f); f.submit();""", action, [list(p) for p in fields])
