/// The console's Mustache templates, compiled into the binary so that a fresh clone and an
/// installed `accord` serve the same pages with nothing beside them. `{{x}}` is HTML-escaped;
/// `{{{x}}}` is used only for HTML the console itself rendered.
enum Templates {
    static let all: [String: String] = [
        "layout": layout, "login": login, "inbox": inbox, "item": item, "pager": pager, "cases": cases, "case": caseView, "open": open, "form": form,
        "error": error, "directory": directory, "directoryEntry": directoryEntry, "directoryRow": directoryRow, "profileEdit": profileEdit, "stats": stats,
        "taxii": taxii, "taxiiCollection": taxiiCollection,
    ]

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Accord {{node}}</title>
        <link rel="stylesheet" href="/console/static/console.css">
        </head>
        <body>
        <a class="skip" href="#main">Skip to content</a>
        <header>
          <span class="brand">Accord <strong>{{node}}</strong></span>
          {{#user}}
          <nav aria-label="Main">
            <a href="/console/inbox"{{#inInbox}} aria-current="page"{{/inInbox}}>Inbox</a>
            <a href="/console/cases"{{#inCases}} aria-current="page"{{/inCases}}>Cases</a>
            <a href="/console/directory"{{#inDirectory}} aria-current="page"{{/inDirectory}}>Directory</a>
            <a href="/console/stats"{{#inStats}} aria-current="page"{{/inStats}}>Statistics</a>
            {{#canSign}}<a href="/console/cases/new"{{#inOpen}} aria-current="page"{{/inOpen}}>Open a case</a>{{/canSign}}
            {{#isAdmin}}<a href="/console/taxii"{{#inTAXII}} aria-current="page"{{/inTAXII}}>TAXII</a>{{/isAdmin}}
          </nav>
          <form class="logout" method="post" action="/console/logout">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <span>{{name}} ({{role}})</span>
            <button type="submit">Sign out</button>
          </form>
          {{/user}}
        </header>
        <main id="main">
        {{#flash}}<p class="flash" role="status">{{flash}}</p>{{/flash}}
        {{{body}}}
        </main>
        {{#user}}<script src="/console/static/console.js" defer></script>{{/user}}
        </body>
        </html>
        """

    static let login = """
        <h1>Sign in</h1>
        {{#error}}<p class="error" role="alert" id="login-error">{{error}}</p>{{/error}}
        <form method="post" action="/console/login" class="card narrow">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <div class="field"><label for="login-name">Account name</label>
            <input id="login-name" name="name" autocomplete="username" required autofocus value="{{name}}"></div>
          <div class="field"><label for="login-password">Password</label>
            <input id="login-password" name="password" type="password" autocomplete="current-password" required></div>
          <div class="field"><label for="login-code">Authentication code <small>(if your account has one)</small></label>
            <input id="login-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="7"></div>
          <button type="submit">Sign in</button>
        </form>
        """

    static let item = """
        <li id="item-{{key}}" data-sort="{{sort}}" class="item{{#overdue}} overdue{{/overdue}}">
          <a href="/console/cases/{{caseID}}"><strong>{{action}}</strong> — {{title}}</a>
          <span class="meta">{{kindTitle}} · {{counterpart}} · case {{shortID}}{{#urgent}} · <span class="badge urgent">urgent</span>{{/urgent}}{{#exercise}} · <span class="badge exercise">exercise</span>{{/exercise}}</span>
          <span class="due">{{#due}}due <time datetime="{{due}}">{{due}}</time>{{/due}}{{^due}}no deadline{{/due}}{{#overdue}} <span class="badge">overdue</span>{{/overdue}}</span>
          {{#answersCheck}}<form method="post" action="/console/cases/{{caseID}}/steps" class="inline">
            <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="type" value="acknowledge">
            <button type="submit" id="answer-check-{{shortID}}">Answer the check</button>
          </form>{{/answersCheck}}
        </li>
        """

    static let inbox = """
        <h1>Inbox</h1>
        <p class="hint">What needs this node's action, earliest deadline first. New work appears here as it arrives.</p>
        <p id="live" class="live" role="status" aria-live="polite"></p>
        {{#incoming}}
        <section aria-labelledby="incoming-h">
          <h2 id="incoming-h">Incoming <small>requests to this node{{#paged}} · {{shown}}{{/paged}}{{#overdue}} · {{overdue}} overdue{{/overdue}}</small></h2>
          <ul id="incoming" class="items" data-section="incoming">
          {{#items}}{{> item}}{{/items}}
          </ul>
          {{^items}}<p class="empty" id="incoming-empty">Nothing incoming needs action.</p>{{/items}}
          {{> pager}}
        </section>
        {{/incoming}}
        {{#outgoing}}
        <section aria-labelledby="outgoing-h">
          <h2 id="outgoing-h">Outgoing <small>requests this node sent{{#paged}} · {{shown}}{{/paged}}{{#overdue}} · {{overdue}} overdue{{/overdue}}</small></h2>
          <ul id="outgoing" class="items" data-section="outgoing">
          {{#items}}{{> item}}{{/items}}
          </ul>
          {{^items}}<p class="empty" id="outgoing-empty">Nothing outgoing needs action.</p>{{/items}}
          {{> pager}}
        </section>
        {{/outgoing}}
        """

    static let pager = """
        {{#paged}}<nav class="pager" aria-label="More work">{{#previous}}<a href="{{previous}}" rel="prev">← Earlier deadlines</a>{{/previous}} {{#next}}<a href="{{next}}" rel="next">Later deadlines →</a>{{/next}}</nav>{{/paged}}
        """

    static let cases = """
        <h1>Cases</h1>
        <form method="get" action="/console/cases" class="filters">
          <div class="field"><label for="q">Search</label><input id="q" name="q" type="search" value="{{q}}" aria-describedby="q-help">
            <small id="q-help">Words anywhere in a case (ransomware mailbox), "a phrase", prefix*, or the start of a case id</small></div>
          <div class="field"><label for="status">Status</label>
            <select id="status" name="status">{{#statuses}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statuses}}</select></div>
          <div class="field"><label for="kind">Kind</label>
            <select id="kind" name="kind">{{#kinds}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/kinds}}</select></div>
          <button type="submit">Filter</button>
        </form>
        <table class="list">
          <caption class="sr">Cases, most recently changed first</caption>
          <thead><tr><th scope="col">Case</th><th scope="col">Title</th><th scope="col">Kind</th><th scope="col">From → to</th><th scope="col">Status</th><th scope="col">Updated</th></tr></thead>
          <tbody>
          {{#rows}}<tr><td><a href="/console/cases/{{id}}">{{short}}</a></td><td>{{title}}{{#urgent}} <span class="badge urgent">urgent</span>{{/urgent}}{{#exercise}} <span class="badge exercise">exercise</span>{{/exercise}}</td><td>{{kind}}</td><td>{{parties}}</td><td>{{status}}</td><td><time>{{updated}}</time></td></tr>{{/rows}}
          </tbody>
        </table>
        {{^rows}}<p class="empty">No cases match.</p>{{/rows}}
        {{#pager}}{{> pager}}{{/pager}}
        """

    static let caseView = """
        {{#view}}
        {{#exercise}}<p class="banner exercise" role="note"><strong>Exercise</strong> — this case is a drill, not a real request.</p>{{/exercise}}
        <h1>{{title}}</h1>
        <p class="meta">{{kindTitle}} · case <code>{{shortID}}</code> · <strong>{{status}}</strong>{{#urgent}} · <span class="badge urgent">urgent</span>{{/urgent}}
          · opened by {{initiator}} at <time>{{openedAt}}</time> · addressed to {{#addressees}}{{.}} {{/addressees}}</p>
        <p class="actions"><a class="button" id="court-export" href="/console/cases/{{id}}/export">Court export (printable record)</a>
          · <a id="court-export-archive" href="/console/cases/{{id}}/export?format=archive" download>Download the archive (JSON, for accord case verify-export)</a></p>
        <div class="grid">
        <section aria-labelledby="req-h" class="card">
          <h2 id="req-h">Request</h2>
          <dl>{{#fields}}<dt>{{label}} <code>{{name}}</code></dt><dd class="pre">{{value}}</dd>{{/fields}}</dl>
          {{^empty(norms)}}<h3>Norms cited</h3><ul>{{#norms}}<li><strong>{{name}}</strong> {{value}}</li>{{/norms}}</ul>{{/empty(norms)}}
          {{^empty(bases)}}<h3>Legal basis</h3><ul>{{#bases}}<li><strong>{{label}}</strong> ({{name}}) {{value}}</li>{{/bases}}</ul>{{/empty(bases)}}
        </section>
        <section aria-labelledby="dl-h" class="card">
          <h2 id="dl-h">Deadlines</h2>
          <dl>{{#deadlines}}<dt>{{label}}</dt><dd{{#overdue}} class="overdue"{{/overdue}}><time>{{due}}</time>{{#overdue}} <span class="badge">overdue</span>{{/overdue}}</dd>{{/deadlines}}</dl>
          <h2>Parties</h2>
          {{#parties}}<div class="party"><h3>{{name}}: {{status}}</h3>
            <ul>{{#timing}}<li>{{.}}</li>{{/timing}}</ul>
            {{^empty(answer)}}<dl>{{#answer}}<dt>{{label}}</dt><dd class="pre">{{value}}</dd>{{/answer}}</dl>{{/empty(answer)}}</div>{{/parties}}
        </section>
        </div>
        {{^empty(informationRequests)}}<section class="card"><h2>Information requests</h2>
          {{#informationRequests}}<p><code>{{name}}</code> {{label}}</p><p class="pre">{{value}}</p>{{/informationRequests}}</section>{{/empty(informationRequests)}}
        {{^empty(conditions)}}<section class="card"><h2>Conditions</h2>
          {{#conditions}}<p><code>{{name}}</code> {{label}}</p><p class="pre">{{value}}</p>{{/conditions}}</section>{{/empty(conditions)}}
        <section aria-labelledby="tl-h">
          <h2 id="tl-h">Timeline</h2>
          <ol class="timeline">
          {{#steps}}<li class="step">
            <h3>{{title}} <small>signed by {{signer}} to {{#to}}{{.}} {{/to}}</small>{{#backdated}} <span class="badge">backdated</span>{{/backdated}}</h3>
            <p class="meta">claimed <time>{{claimedAt}}</time> · received <time>{{receivedAt}}</time> · event <code>{{event}}</code></p>
            <p>{{summary}}</p>
            {{^empty(fields)}}<dl>{{#fields}}<dt>{{label}}</dt><dd class="pre">{{value}}</dd>{{/fields}}</dl>{{/empty(fields)}}
            <ul class="deliveries">{{#deliveries}}<li>→ {{peer}}: {{state}}</li>{{/deliveries}}{{#inclusionProof}}<li>inclusion proof: {{inclusionProof}}</li>{{/inclusionProof}}</ul>
          </li>{{/steps}}
          </ol>
        </section>
        {{/view}}
        {{#hasEvidence}}<section aria-labelledby="ev-h">
          <h2 id="ev-h">Evidence</h2>
          <table class="list" id="evidence">
            <thead><tr><th scope="col">File</th><th scope="col">Size</th><th scope="col">SHA-256</th><th scope="col">Added by</th><th scope="col">On this node</th></tr></thead>
            <tbody>
            {{#evidence}}<tr id="ev-{{short}}"><td>{{#canDownload}}<a href="/console/evidence/{{id}}" download>{{name}}</a>{{/canDownload}}{{^canDownload}}{{name}}{{/canDownload}}
                <br><small>{{mediaType}}{{#description}} · {{description}}{{/description}}</small></td>
              <td>{{size}}</td><td><code title="{{sha256}}">{{sha256Short}}…</code></td><td>{{origin}} at <time>{{addedAt}}</time></td><td>{{state}}</td></tr>
            <tr class="custody"><td colspan="5"><details><summary>Chain of custody ({{custodyCount}})</summary><ol>{{#custody}}<li><time>{{at}}</time> {{action}} on {{node}}{{#by}} by {{by}}{{/by}}</li>{{/custody}}</ol></details></td></tr>
            {{/evidence}}
            </tbody>
          </table>
          {{#downloadNote}}<p class="hint">{{downloadNote}}</p>{{/downloadNote}}
        </section>{{/hasEvidence}}
        <section aria-labelledby="act-h">
          <h2 id="act-h">Next steps</h2>
          {{#readOnly}}<p class="hint">{{readOnly}}</p>{{/readOnly}}
          {{^forms}}{{^readOnly}}<p class="hint">No step is open to this node in this case now.</p>{{/readOnly}}{{/forms}}
          {{#forms}}{{> form}}{{/forms}}
        </section>
        """

    static let open = """
        <h1>Open a case</h1>
        <nav aria-label="Kind of case" class="kinds">{{#kinds}}<a href="/console/cases/new?kind={{value}}"{{#selected}} aria-current="page"{{/selected}}>{{label}}</a> {{/kinds}}</nav>
        {{#form}}{{> form}}{{/form}}
        """

    static let form = """
        <form method="post" action="{{action}}" class="card" id="{{id}}"{{#multipart}} enctype="multipart/form-data"{{/multipart}} novalidate>
          <h3>{{title}}</h3>
          {{#hasErrors}}<div class="error" role="alert"><p>Please correct:</p><ul>{{#errors}}<li>{{.}}</li>{{/errors}}</ul></div>{{/hasErrors}}
          <input type="hidden" name="csrf" value="{{csrf}}">
          {{#hidden}}<input type="hidden" name="{{name}}" value="{{value}}">{{/hidden}}
          {{#fields}}
          <div class="field{{#error}} invalid{{/error}}">
            {{#isCheckboxes}}<fieldset><legend>{{label}}{{#required}} <span aria-hidden="true">*</span>{{/required}}</legend>
              {{#options}}<label for="{{id}}" class="check"><input type="checkbox" id="{{id}}" name="{{name}}" value="{{value}}"{{#selected}} checked{{/selected}}> {{label}}</label>{{/options}}
            </fieldset>{{/isCheckboxes}}
            {{#isCheckbox}}<label for="{{id}}" class="check"><input type="checkbox" id="{{id}}" name="{{name}}" value="true"{{#checked}} checked{{/checked}}> {{label}}{{#required}} <span aria-hidden="true">*</span>{{/required}}</label>{{/isCheckbox}}
            {{#isLine}}<label for="{{id}}">{{label}}{{#required}} <span aria-hidden="true">*</span>{{/required}}</label>
              <input id="{{id}}" name="{{name}}" value="{{value}}" placeholder="{{placeholder}}"{{#required}} aria-required="true"{{/required}}{{#error}} aria-invalid="true" aria-describedby="{{id}}-error"{{/error}}>{{/isLine}}
            {{#isPassword}}<label for="{{id}}">{{label}}{{#required}} <span aria-hidden="true">*</span>{{/required}}</label>
              <input id="{{id}}" name="{{name}}" type="password" autocomplete="new-password"{{#error}} aria-invalid="true" aria-describedby="{{id}}-error"{{/error}}>{{/isPassword}}
            {{#isText}}<label for="{{id}}">{{label}}{{#required}} <span aria-hidden="true">*</span>{{/required}}</label>
              <textarea id="{{id}}" name="{{name}}" rows="3"{{#required}} aria-required="true"{{/required}}{{#error}} aria-invalid="true" aria-describedby="{{id}}-error"{{/error}}>{{value}}</textarea>{{/isText}}
            {{#isFile}}<label for="{{id}}">{{label}}{{#required}} <span aria-hidden="true">*</span>{{/required}}</label>
              <input id="{{id}}" name="{{name}}" type="file"{{#required}} aria-required="true"{{/required}}{{#error}} aria-invalid="true" aria-describedby="{{id}}-error"{{/error}}>{{/isFile}}
            {{#isSelect}}<label for="{{id}}">{{label}}{{#required}} <span aria-hidden="true">*</span>{{/required}}</label>
              <select id="{{id}}" name="{{name}}"{{#error}} aria-invalid="true" aria-describedby="{{id}}-error"{{/error}}>{{#options}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/options}}</select>{{/isSelect}}
            {{^empty(help)}}<small class="help">{{help}}</small>{{/empty(help)}}
            {{#error}}<small class="field-error" id="{{id}}-error">{{error}}</small>{{/error}}
          </div>
          {{/fields}}
          <button type="submit">{{submit}}</button>
        </form>
        """

    static let stats = """
        {{#exercise}}<p class="banner exercise" role="note"><strong>Exercise</strong> — these figures count exercise cases only.</p>{{/exercise}}
        <h1>Statistics</h1>
        <p class="hint">Responsiveness over the cases opened in a period, in both directions. Times are medians and 90th percentiles (nearest rank);
          "in time" is the share acknowledged or answered by the deadline. Exercise cases are never counted with real ones.</p>
        {{#error}}<p class="error" role="alert" id="stats-error">{{error}}</p>{{/error}}
        <form method="get" action="/console/stats" class="filters" id="stats-form">
          <div class="field"><label for="stats-from">From</label><input id="stats-from" name="from" value="{{from}}" placeholder="2026-01-01" aria-describedby="stats-from-help">
            <small id="stats-from-help">A date or an RFC 3339 UTC time; default 90 days ago</small></div>
          <div class="field"><label for="stats-to">To</label><input id="stats-to" name="to" value="{{to}}" placeholder="2026-03-31" aria-describedby="stats-to-help">
            <small id="stats-to-help">A date (to the end of that day) or time; default now</small></div>
          <div class="field"><label for="stats-peer">Peer</label>
            <select id="stats-peer" name="peer">{{#peers}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/peers}}</select></div>
          <div class="field"><label for="stats-kind">Kind</label>
            <select id="stats-kind" name="kind">{{#kinds}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/kinds}}</select></div>
          <div class="field"><label for="stats-exercise" class="check"><input type="checkbox" id="stats-exercise" name="exercise" value="only"{{#exerciseOnly}} checked{{/exerciseOnly}}> Exercise cases only</label></div>
          <button type="submit">Show</button>
        </form>
        {{#period}}<p class="meta" id="stats-period">Cases opened from <time>{{period}}</time> ·
          <a href="{{csv}}" id="stats-csv" download>Download CSV</a> · <a href="{{json}}" id="stats-json" download>Download JSON</a></p>{{/period}}
        {{#directions}}
        <section aria-labelledby="{{id}}-h" id="stats-{{id}}">
          <h2 id="{{id}}-h">{{title}}</h2>
          <p class="hint">{{hint}}</p>
          <div class="scroll"><table class="list stats" id="table-{{id}}">
            <caption class="sr">{{title}}: per peer and per kind of case</caption>
            <thead><tr><th scope="col">Group</th><th scope="col">Requests</th><th scope="col">Acknowledged</th><th scope="col">Ack median</th><th scope="col">Ack p90</th>
              <th scope="col">Ack in time</th><th scope="col">Answered / owed</th><th scope="col">Answer median</th><th scope="col">Answer p90</th><th scope="col">Answer in time</th>
              <th scope="col">Overdue ack / answer</th><th scope="col">Checks answered / sent</th><th scope="col">Check median</th><th scope="col">Check p90</th></tr></thead>
            <tbody>
            {{#rows}}<tr data-group="{{group}}" data-name="{{name}}"><th scope="row">{{name}}</th><td>{{requests}}</td><td>{{acknowledged}}</td><td>{{ackMedian}}</td><td>{{ackP90}}</td>
              <td>{{ackInTime}}</td><td>{{answered}} / {{answerOwed}}</td><td>{{answerMedian}}</td><td>{{answerP90}}</td><td>{{answerInTime}}</td>
              <td>{{overdueAck}} / {{overdueAnswer}}</td><td>{{checksAnswered}} / {{checksSent}}</td><td>{{checkMedian}}</td><td>{{checkP90}}</td></tr>{{/rows}}
            </tbody>
          </table></div>
          <div class="grid">
          <div><h3>Outcomes</h3>{{^outcomes}}<p class="empty">No answer in the period.</p>{{/outcomes}}<ul>{{#outcomes}}<li>{{name}}: {{count}}</li>{{/outcomes}}</ul></div>
          <div><h3>Refusal grounds</h3>{{^grounds}}<p class="empty">No refusal in the period.</p>{{/grounds}}<ul>{{#grounds}}<li>{{name}}: {{count}}</li>{{/grounds}}</ul></div>
          </div>
          {{#charts}}<figure class="card">{{{.}}}</figure>{{/charts}}
        </section>
        {{/directions}}
        """

    static let error = """
        <h1>{{heading}}</h1>
        <p class="error" role="alert" id="error-message">{{message}}</p>
        <p><a href="{{back}}">{{backLabel}}</a></p>
        """
}
