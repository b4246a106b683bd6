/// The console's stylesheet and script, served by the node itself (no external assets: the
/// networks these consoles run on are often closed).
enum Assets {
    static let css = """
        :root{--fg:#1b1f24;--muted:#57606a;--bg:#f6f8fa;--card:#fff;--line:#d0d7de;--accent:#0b5394;--bad:#b3261e;--warn:#8a5a00}
        *{box-sizing:border-box}
        body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
        a{color:var(--accent)}
        a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #f2a900;outline-offset:2px}
        .skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:9}
        .sr{position:absolute;left:-999px}
        header{display:flex;flex-wrap:wrap;gap:8px 20px;align-items:center;padding:10px 16px;background:#0d2740;color:#fff}
        header a{color:#fff;text-decoration:none;padding:4px 6px;border-radius:4px}
        header a[aria-current]{background:#24507a}
        header nav{display:flex;gap:6px;flex-wrap:wrap}
        .brand{font-size:1.1em}
        .logout{margin-left:auto;display:flex;gap:8px;align-items:center}
        main{max-width:1180px;margin:0 auto;padding:16px}
        h1{font-size:1.6em;margin:.3em 0}
        h2{font-size:1.2em;margin:1em 0 .4em}
        h3{font-size:1.05em;margin:.6em 0 .3em}
        small,.meta,.hint{color:var(--muted)}
        .card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:12px 0}
        .narrow{max-width:420px}
        .grid{display:grid;grid-template-columns:1fr 1fr;gap:0 16px}
        @media (max-width:760px){.grid{grid-template-columns:1fr}header{padding:8px}.logout{margin-left:0}table.list td:nth-child(4),table.list th:nth-child(4),table.list td:nth-child(6),table.list th:nth-child(6){display:none}}
        .field{margin:10px 0;display:flex;flex-direction:column;gap:3px}
        .field input,.field select,.field textarea{font:inherit;padding:6px 8px;border:1px solid #8c959f;border-radius:4px;max-width:100%;background:#fff}
        .field textarea{width:100%}
        fieldset{border:1px solid var(--line);border-radius:4px}
        label.check{display:block;padding:2px 0}
        .invalid input,.invalid select,.invalid textarea,.invalid fieldset{border-color:var(--bad)}
        .field-error,.error{color:var(--bad)}
        .error{background:#fdecea;border:1px solid #f5c2c0;border-radius:6px;padding:8px 12px}
        .flash{background:#e6f4ea;border:1px solid #b7dfc2;border-radius:6px;padding:8px 12px}
        button{font:inherit;padding:7px 14px;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
        header button{background:transparent;border-color:#fff}
        svg.chart{max-width:100%;height:auto;font:13px system-ui,sans-serif}svg.chart .median{fill:#0b5394}svg.chart .p90{fill:#9fc5e8}svg.chart text{fill:#1b1f24}
        .scroll{overflow-x:auto}table.stats td{text-align:right;white-space:nowrap}
        .items{list-style:none;padding:0;margin:0}
        .item{background:var(--card);border:1px solid var(--line);border-left:5px solid var(--accent);border-radius:6px;padding:8px 12px;margin:8px 0;display:flex;flex-direction:column;gap:2px}
        .item.overdue{border-left-color:var(--bad)}
        .item.fresh{animation:fresh 3s}
        @keyframes fresh{from{background:#fff6d6}to{background:var(--card)}}
        .badge{display:inline-block;font-size:.8em;padding:0 6px;border-radius:10px;background:var(--bad);color:#fff}
        .badge.urgent{background:var(--warn)}
        .badge.self{background:var(--accent)}
        .badge.exercise{background:#6a3d9a}
        .banner.exercise{background:#efe6f7;border:2px dashed #6a3d9a;padding:.5rem .75rem;margin:0 0 1rem}
        .overdue time{color:var(--bad);font-weight:600}
        .pre{white-space:pre-wrap;margin:0 0 .5em}
        dt{font-weight:600}dd{margin:0 0 .4em 0}
        code{font-size:.9em;word-break:break-all}
        table.list{width:100%;border-collapse:collapse;background:var(--card)}
        table.list th,table.list td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
        .filters{display:flex;flex-wrap:wrap;gap:0 12px;align-items:flex-end}
        .kinds a{display:inline-block;margin:2px 6px 2px 0}
        .kinds a[aria-current]{font-weight:700}
        .timeline{padding-left:1.2em}
        .step{margin:10px 0;padding:8px 12px;background:var(--card);border:1px solid var(--line);border-radius:6px}
        .deliveries{color:var(--muted);font-size:.92em;padding-left:1em}
        .live:empty{display:none}
        .live{background:#fff6d6;border:1px solid #f2d27a;border-radius:6px;padding:6px 10px}
        """

    /// Progressive enhancement: new work from `/console/stream` is inserted into the inbox
    /// without a reload. Without JavaScript the inbox is the same page, refreshed by hand.
    static let js = """
        (function(){
          var lists = {incoming: document.getElementById('incoming'), outgoing: document.getElementById('outgoing')};
          if (!lists.incoming || !window.EventSource) return;
          var live = document.getElementById('live');
          var source = new EventSource('/console/stream');
          source.addEventListener('item', function(e){
            var item = JSON.parse(e.data);
            if (document.getElementById('item-' + item.key)) return;
            var list = lists[item.section];
            if (!list) return;
            var t = document.createElement('template');
            t.innerHTML = item.html.trim();
            var node = t.content.firstChild;
            node.classList.add('fresh');
            var before = null;
            for (var i = 0; i < list.children.length; i++) {
              if ((list.children[i].getAttribute('data-sort') || '') > item.sort) { before = list.children[i]; break; }
            }
            node.setAttribute('data-sort', item.sort);
            list.insertBefore(node, before);
            var empty = document.getElementById(item.section + '-empty');
            if (empty) empty.remove();
            if (live) live.textContent = 'New: ' + item.summary;
          });
        })();
        """
}
