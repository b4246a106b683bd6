/// The TAXII pages (admins): the collections and accounts of the node's TAXII 2.1 server, the
/// forms that add them and set rights, and one collection with whom it is published to. Titles,
/// descriptions and account names are people's text, escaped by `{{x}}`.
extension Templates {
    static let taxii = """
        <h1>TAXII</h1>
        <p class="hint">The node's TAXII 2.1 server, at <code>{{root}}</code>. A CERT's tools (MISP, OpenCTI, any TAXII client) sign in
          with an account's bearer token or its name and password; what they post to a collection published to peers travels to them
          as signed events, as far as each object's TLP marking allows.</p>
        {{#token}}<section class="card" role="status" id="new-token" aria-labelledby="new-token-h">
          <h2 id="new-token-h">Token of {{account}}</h2>
          <p>Shown this once: the node keeps only its hash. Put it in the TAXII client now (<code>Authorization: Bearer …</code>).</p>
          <p><code id="token-value">{{value}}</code></p>
        </section>{{/token}}
        <section aria-labelledby="collections-h">
          <h2 id="collections-h">Collections</h2>
          <table class="list" id="collections">
            <thead><tr><th scope="col">Collection</th><th scope="col">Id</th><th scope="col">Published to</th><th scope="col">TLP:RED to</th><th scope="col">Accounts</th></tr></thead>
            <tbody>
            {{#collections}}<tr id="col-{{id}}"><td><a href="/console/taxii/collections/{{id}}">{{title}}</a>{{#inbound}} <span class="badge">shared by {{inbound}}</span>{{/inbound}}{{#restricted}} <span class="badge">TLP:RED</span>{{/restricted}}</td>
              <td><code>{{id}}</code></td><td>{{shareTo}}</td><td>{{redTo}}</td><td>{{#rights}}{{account}} ({{mode}})<br>{{/rights}}</td></tr>
            {{/collections}}
            </tbody>
          </table>
          {{^collections}}<p class="empty" id="collections-empty">No collection yet.</p>{{/collections}}
        </section>
        <section aria-labelledby="accounts-h">
          <h2 id="accounts-h">Accounts</h2>
          <table class="list" id="accounts">
            <thead><tr><th scope="col">Account</th><th scope="col">Signs in with</th><th scope="col">Rights</th><th scope="col"><span class="sr">Delete</span></th></tr></thead>
            <tbody>
            {{#accounts}}<tr id="acct-{{name}}"><td>{{name}}</td><td>{{signIn}}</td><td>{{#rights}}{{title}}: {{mode}}<br>{{/rights}}</td>
              <td><form method="post" action="/console/taxii/accounts/{{name}}/delete" class="inline"><input type="hidden" name="csrf" value="{{csrf}}">
                <button type="submit" id="delete-{{name}}">Delete {{name}}</button></form></td></tr>
            {{/accounts}}
            </tbody>
          </table>
          {{^accounts}}<p class="empty" id="accounts-empty">No account yet.</p>{{/accounts}}
        </section>
        <div class="grid">
        {{#collectionForm}}{{> form}}{{/collectionForm}}
        {{#accountForm}}{{> form}}{{/accountForm}}
        {{#rightsForm}}{{> form}}{{/rightsForm}}
        </div>
        """

    static let taxiiCollection = """
        {{#collection}}
        <h1>{{title}}</h1>
        <dl id="collection">
          <dt>Id</dt><dd><code>{{id}}</code></dd>
          <dt>Objects URL</dt><dd><code>{{objects}}</code></dd>
          {{#description}}<dt>Description</dt><dd>{{description}}</dd>{{/description}}
          {{#inbound}}<dt>Holds</dt><dd>what {{inbound}} shared{{#restricted}}, marked TLP:RED (one account at most may read it){{/restricted}}</dd>{{/inbound}}
          <dt>Published to</dt><dd id="c-share-to">{{shareTo}}</dd>
          <dt>TLP:RED to</dt><dd id="c-red-to">{{redTo}}</dd>
          <dt>Added</dt><dd><time>{{created}}</time></dd>
        </dl>
        <h2>Accounts</h2>
        <ul id="c-rights">{{#rights}}<li>{{account}}: {{mode}}</li>{{/rights}}</ul>
        {{^rights}}<p class="empty">No account reads or writes it yet.</p>{{/rights}}
        {{/collection}}
        {{#sharingForm}}{{> form}}{{/sharingForm}}
        <p><a href="/console/taxii">Back to TAXII</a></p>
        """
}
