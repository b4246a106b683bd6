/// The directory pages: every node's signed profile, searchable; one node's detail with its key
/// history; the form an admin changes this node's profile with. Every value is a peer's text,
/// escaped by `{{x}}`.
extension Templates {
    static let directory = """
        <h1>Directory</h1>
        <p class="hint">Every point of contact this node has pinned, as its signed profile says, and this node itself.
          {{#canEdit}}<a href="/console/profile" id="edit-profile">Edit this node's profile</a>{{/canEdit}}</p>
        <form method="get" action="/console/directory" class="filters" role="search">
          <div class="field"><label for="dir-q">Search</label><input id="dir-q" name="q" type="search" value="{{q}}" aria-describedby="dir-q-help">
            <small id="dir-q-help">Words in a name, organisation, country, language or hours</small></div>
          <div class="field"><label for="dir-role">Handles</label>
            <select id="dir-role" name="role">{{#roles}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/roles}}</select></div>
          <div class="field"><label for="dir-country">Country</label>
            <select id="dir-country" name="country">{{#countries}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/countries}}</select></div>
          <div class="field"><label for="dir-language">Language</label><input id="dir-language" name="language" value="{{language}}" size="6"></div>
          <button type="submit">Search</button>
        </form>
        <table class="list" id="directory">
          <caption class="sr">Points of contact, this node first</caption>
          <thead><tr><th scope="col">Node</th><th scope="col">Organisation</th><th scope="col">Country</th><th scope="col">Handles</th><th scope="col">Languages</th><th scope="col">Hours</th><th scope="col">Signing key</th></tr></thead>
          <tbody>
          {{#rows}}{{{html}}}{{/rows}}
          </tbody>
        </table>
        {{^rows}}<p class="empty" id="directory-empty">No point of contact matches.</p>{{/rows}}
        """

    /// One row of the directory table, rendered once per entry and kept while the entry is unchanged.
    static let directoryRow = """
        <tr id="dir-{{name}}"><td><a href="/console/directory/{{name}}">{{name}}</a>{{#isSelf}} <span class="badge self">this node</span>{{/isSelf}}</td><td>{{organisation}}</td><td>{{country}}</td>
          <td>{{#roles}}{{.}}<br>{{/roles}}</td><td>{{languages}}</td><td>{{hours}}{{#timeZone}} <small>({{timeZone}})</small>{{/timeZone}}</td><td><code title="{{fingerprint}}">{{fingerprintShort}}…</code></td></tr>
        """

    static let directoryEntry = """
        {{#entry}}
        <h1>{{name}}{{#isSelf}} <small>(this node)</small>{{/isSelf}}</h1>
        {{^hasProfile}}<p class="hint">This peer was pinned by its key alone: no signed profile is held.</p>{{/hasProfile}}
        <div class="grid">
        <section class="card" aria-labelledby="profile-h">
          <h2 id="profile-h">Profile</h2>
          <dl id="profile">
            <dt>Organisation</dt><dd id="p-organisation">{{organisation}}</dd>
            <dt>Country</dt><dd id="p-country">{{country}}</dd>
            <dt>Handles</dt><dd id="p-roles">{{#roles}}{{.}}<br>{{/roles}}</dd>
            <dt>Languages</dt><dd id="p-languages">{{languages}}</dd>
            <dt>Hours</dt><dd id="p-hours">{{hours}}</dd>
            <dt>Time zone</dt><dd id="p-time-zone">{{timeZone}}{{^timeZone}}not given{{/timeZone}}</dd>
            <dt>Endpoint</dt><dd><code>{{endpoint}}</code></dd>
            <dt>Profile version</dt><dd id="p-version">{{version}}</dd>
            <dt>Profile signed</dt><dd><time>{{updated}}</time></dd>
            {{#pinnedAt}}<dt>Pinned</dt><dd><time>{{pinnedAt}}</time></dd>{{/pinnedAt}}
          </dl>
          {{#canEdit}}<p><a href="/console/profile" id="edit-profile">Edit this node's profile</a></p>{{/canEdit}}
        </section>
        <section class="card" aria-labelledby="keys-h">
          <h2 id="keys-h">Keys</h2>
          <dl><dt>Signing key fingerprint</dt><dd><code id="p-signing">{{signing}}</code></dd>
            <dt>Encryption key fingerprint</dt><dd><code id="p-encryption">{{encryption}}</code></dd></dl>
          {{#delivery}}<h2>Delivery</h2><p id="p-delivery">{{.}}</p>{{/delivery}}
        </section>
        </div>
        <section aria-labelledby="history-h">
          <h2 id="history-h">Key history</h2>
          <table class="list" id="key-history">
            <thead><tr><th scope="col">Key</th><th scope="col">Fingerprint</th><th scope="col">From</th><th scope="col">Until</th><th scope="col">Ended by</th></tr></thead>
            <tbody>{{#history}}<tr><td>{{use}}</td><td><code>{{fingerprint}}</code></td><td><time>{{from}}</time></td><td>{{until}}{{^until}}current{{/until}}</td><td>{{endedBy}}</td></tr>{{/history}}</tbody>
          </table>
        </section>
        {{/entry}}
        <p><a href="/console/directory">Back to the directory</a></p>
        """

    static let profileEdit = """
        <h1>This node's profile</h1>
        <p class="hint">What peers read about this node. Saving signs a new profile and sends it to every pinned peer; it is also written to accord.json.</p>
        {{#form}}{{> form}}{{/form}}
        """
}
