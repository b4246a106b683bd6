import AccordCore
import Foundation
import GRDB

/// Versioned migrations of the SQLite schema. Never edit a registered migration: add one.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: events, cases, log, delivery, operators") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE peers (
                      name TEXT PRIMARY KEY,
                      url TEXT NOT NULL,
                      signing_key BLOB NOT NULL,
                      encryption_key BLOB,
                      added_at INTEGER NOT NULL,
                      profile BLOB
                    );
                    -- Every event this node holds, authored or received, in local order.
                    CREATE TABLE events (
                      seq INTEGER PRIMARY KEY AUTOINCREMENT,
                      id BLOB NOT NULL UNIQUE,
                      origin TEXT NOT NULL,
                      type TEXT NOT NULL,
                      case_id BLOB,
                      time INTEGER NOT NULL,
                      received_at INTEGER NOT NULL,
                      body BLOB NOT NULL
                    );
                    CREATE INDEX events_by_case ON events(case_id, seq);
                    -- This node's Merkle log: the ids of the events it authored, in order (idx starts at 1).
                    CREATE TABLE log_leaves (
                      idx INTEGER PRIMARY KEY AUTOINCREMENT,
                      event_id BLOB NOT NULL UNIQUE
                    );
                    CREATE TABLE cases (
                      id BLOB PRIMARY KEY,
                      kind TEXT NOT NULL,
                      status TEXT NOT NULL,
                      initiator TEXT NOT NULL,
                      opened_at INTEGER NOT NULL,
                      updated_at INTEGER NOT NULL,
                      state BLOB NOT NULL
                    );
                    CREATE INDEX cases_by_status ON cases(status, updated_at);
                    -- The outbox: one row per (recipient, authored event); position = events.seq.
                    CREATE TABLE outbox (
                      peer TEXT NOT NULL,
                      position INTEGER NOT NULL,
                      PRIMARY KEY (peer, position)
                    ) WITHOUT ROWID;
                    CREATE TABLE cursors (
                      peer TEXT PRIMARY KEY,
                      delivered INTEGER NOT NULL DEFAULT 0,
                      failures INTEGER NOT NULL DEFAULT 0,
                      last_error TEXT,
                      next_attempt INTEGER
                    );
                    CREATE TABLE delivery_rejections (
                      peer TEXT NOT NULL,
                      event_id BLOB NOT NULL,
                      code TEXT NOT NULL,
                      message TEXT NOT NULL,
                      at INTEGER NOT NULL,
                      PRIMARY KEY (peer, event_id)
                    );
                    CREATE TABLE inbound_batches (
                      peer TEXT NOT NULL,
                      batch_id TEXT NOT NULL,
                      result BLOB NOT NULL,
                      received_at INTEGER NOT NULL,
                      PRIMARY KEY (peer, batch_id)
                    );
                    CREATE TABLE tokens (
                      hash BLOB PRIMARY KEY,
                      name TEXT NOT NULL,
                      role TEXT NOT NULL,
                      created_at INTEGER NOT NULL,
                      revoked INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE TABLE drafts (
                      id TEXT PRIMARY KEY,
                      created_at INTEGER NOT NULL,
                      body BLOB NOT NULL
                    );
                    """)
        }
        m.registerMigration("v2: Merkle tree nodes, checkpoints, witnessing, receipts, alerts") { db in
            try db.execute(
                sql: """
                    -- Perfect-subtree hashes of this node's log: level 0 holds the leaf hashes;
                    -- (level, idx) covers leaves [idx * 2^level, (idx + 1) * 2^level).
                    CREATE TABLE log_nodes (
                      level INTEGER NOT NULL,
                      idx INTEGER NOT NULL,
                      hash BLOB NOT NULL,
                      PRIMARY KEY (level, idx)
                    ) WITHOUT ROWID;
                    -- Checkpoints this node signed of its own log (note: text and its own signature).
                    CREATE TABLE log_checkpoints (
                      size INTEGER PRIMARY KEY,
                      root BLOB NOT NULL,
                      note TEXT NOT NULL,
                      issued_at INTEGER NOT NULL,
                      witnessed_at INTEGER
                    );
                    -- Witnesses' cosignature lines on those checkpoints.
                    CREATE TABLE log_cosignatures (
                      size INTEGER NOT NULL,
                      witness TEXT NOT NULL,
                      line TEXT NOT NULL,
                      timestamp INTEGER NOT NULL,
                      PRIMARY KEY (size, witness)
                    );
                    CREATE INDEX log_cosignatures_by_witness ON log_cosignatures(witness, size);
                    -- As a witness: the latest checkpoint cosigned per origin (one row, replaced atomically).
                    CREATE TABLE witness_state (
                      origin TEXT PRIMARY KEY,
                      size INTEGER NOT NULL,
                      root BLOB NOT NULL,
                      note TEXT NOT NULL,
                      updated_at INTEGER NOT NULL
                    );
                    -- Peers' checkpoints seen in receipts and in other witnesses' reports.
                    CREATE TABLE observed_checkpoints (
                      origin TEXT NOT NULL,
                      size INTEGER NOT NULL,
                      root BLOB NOT NULL,
                      note TEXT NOT NULL,
                      source TEXT NOT NULL,
                      observed_at INTEGER NOT NULL,
                      PRIMARY KEY (origin, size, root)
                    );
                    -- Inclusion proofs of received events against witnessed checkpoints of their origin.
                    CREATE TABLE receipts (
                      event_id BLOB PRIMARY KEY,
                      origin TEXT NOT NULL,
                      leaf_index INTEGER NOT NULL,
                      tree_size INTEGER NOT NULL,
                      proof BLOB NOT NULL,
                      checkpoint TEXT NOT NULL,
                      obtained_at INTEGER NOT NULL
                    );
                    -- Equivocation: both signed checkpoints, kept as proof.
                    CREATE TABLE alerts (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      kind TEXT NOT NULL,
                      origin TEXT NOT NULL,
                      detected_via TEXT NOT NULL,
                      message TEXT NOT NULL,
                      first_note TEXT NOT NULL,
                      second_note TEXT NOT NULL,
                      raised_at INTEGER NOT NULL,
                      UNIQUE (origin, first_note, second_note)
                    );
                    """)
            // Event ids are random: an index on them costs a random page write per leaf. The
            // log keeps leaves in order only; an authored event's leaf index lives on its row
            // in `events`, whose id index is written anyway when the event is stored.
            try db.execute(
                sql: """
                    ALTER TABLE events ADD COLUMN log_index INTEGER;
                    UPDATE events SET log_index = (SELECT l.idx - 1 FROM log_leaves l WHERE l.event_id = events.id);
                    CREATE TABLE log_leaves_v2 (
                      idx INTEGER PRIMARY KEY AUTOINCREMENT,
                      event_id BLOB NOT NULL
                    );
                    INSERT INTO log_leaves_v2(idx, event_id) SELECT idx, event_id FROM log_leaves ORDER BY idx;
                    DROP TABLE log_leaves;
                    ALTER TABLE log_leaves_v2 RENAME TO log_leaves;
                    """)
            // Logs written before v2 get their tree nodes now, leaf by leaf.
            try SQLiteStore.backfillLogNodes(db)
        }
        m.registerMigration("v3: peer replacements, encryption keys required") { db in
            try db.execute(
                sql: """
                    CREATE TABLE peer_replacements (
                      seq INTEGER PRIMARY KEY AUTOINCREMENT,
                      name TEXT NOT NULL,
                      old_signing_key BLOB NOT NULL,
                      new_signing_key BLOB NOT NULL,
                      replaced_by TEXT NOT NULL,
                      replaced_at INTEGER NOT NULL
                    );
                    """)
            // Peers pinned offline before encryption keys were required: take the key from the
            // signed profile when the node holds one. Any left without one must be pinned again.
            let rows = try Row.fetchAll(db, sql: "SELECT name, profile FROM peers WHERE encryption_key IS NULL AND profile IS NOT NULL")
            for row in rows {
                guard let bytes = row["profile"] as Data?, let event = try? Event(bytes: [UInt8](bytes)),
                    let text = event.body["encryption_key"]?.stringValue, let key = try? PublicEncryptionKey(base64: text)
                else { continue }
                try db.execute(sql: "UPDATE peers SET encryption_key = ? WHERE name = ?", arguments: [Data(key.raw), row["name"] as String])
            }
        }
        m.registerMigration("v4: checkpoint notes stored once") { db in
            // A signed checkpoint note (with its cosignatures) is stored once, under the SHA-256
            // of its text; receipts and observed checkpoints refer to it. Hundreds of receipts
            // obtained in one answer share one note.
            try db.execute(
                sql: """
                    CREATE TABLE checkpoint_notes (
                      hash BLOB PRIMARY KEY,
                      note TEXT NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE receipts_v4 (
                      event_id BLOB PRIMARY KEY,
                      origin TEXT NOT NULL,
                      leaf_index INTEGER NOT NULL,
                      tree_size INTEGER NOT NULL,
                      proof BLOB NOT NULL,
                      note_hash BLOB NOT NULL REFERENCES checkpoint_notes(hash),
                      obtained_at INTEGER NOT NULL
                    );
                    CREATE TABLE observed_checkpoints_v4 (
                      origin TEXT NOT NULL,
                      size INTEGER NOT NULL,
                      root BLOB NOT NULL,
                      note_hash BLOB NOT NULL REFERENCES checkpoint_notes(hash),
                      source TEXT NOT NULL,
                      observed_at INTEGER NOT NULL,
                      PRIMARY KEY (origin, size, root)
                    );
                    """)
            let receipts = try Row.fetchCursor(db, sql: "SELECT * FROM receipts")
            while let row = try receipts.next() {
                let hash = try SQLiteStore.saveNote(db, row["checkpoint"])
                try db.execute(
                    sql: "INSERT INTO receipts_v4(event_id, origin, leaf_index, tree_size, proof, note_hash, obtained_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [row["event_id"] as Data, row["origin"] as String, row["leaf_index"] as Int64, row["tree_size"] as Int64,
                                row["proof"] as Data, hash, row["obtained_at"] as Int64])
            }
            let observed = try Row.fetchCursor(db, sql: "SELECT * FROM observed_checkpoints")
            while let row = try observed.next() {
                let hash = try SQLiteStore.saveNote(db, row["note"])
                try db.execute(
                    sql: "INSERT INTO observed_checkpoints_v4(origin, size, root, note_hash, source, observed_at) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [row["origin"] as String, row["size"] as Int64, row["root"] as Data, hash, row["source"] as String, row["observed_at"] as Int64])
            }
            try db.execute(
                sql: """
                    DROP TABLE receipts;
                    ALTER TABLE receipts_v4 RENAME TO receipts;
                    CREATE INDEX receipts_by_note ON receipts(note_hash);
                    CREATE INDEX receipts_by_origin ON receipts(origin, tree_size);
                    DROP TABLE observed_checkpoints;
                    ALTER TABLE observed_checkpoints_v4 RENAME TO observed_checkpoints;
                    CREATE INDEX observed_checkpoints_by_note ON observed_checkpoints(note_hash);
                    """)
        }
        m.registerMigration("v5: events by type") { db in
            // Evidence transfers and retention look up the few events of one type among many.
            try db.execute(sql: "CREATE INDEX events_by_type ON events(type, seq)")
        }
        m.registerMigration("v6: TAXII collections, objects, accounts") { db in
            // Objects are ordered by date_added, unique and strictly increasing within a
            // collection (microseconds, bumped past the collection's last_added), so a page is one
            // index range scan after a position, with 1 million objects as with ten.
            try db.execute(
                sql: """
                    CREATE TABLE taxii_collections (
                      id TEXT PRIMARY KEY,
                      title TEXT NOT NULL,
                      description TEXT,
                      share_to TEXT NOT NULL DEFAULT '[]',
                      red_to TEXT NOT NULL DEFAULT '[]',
                      inbound_peer TEXT,
                      restricted INTEGER NOT NULL DEFAULT 0,
                      last_added INTEGER NOT NULL DEFAULT 0,
                      created_at INTEGER NOT NULL
                    );
                    CREATE UNIQUE INDEX taxii_inbound ON taxii_collections(inbound_peer, restricted) WHERE inbound_peer IS NOT NULL;
                    CREATE TABLE taxii_objects (
                      seq INTEGER PRIMARY KEY,
                      collection TEXT NOT NULL REFERENCES taxii_collections(id) ON DELETE CASCADE,
                      object_id TEXT NOT NULL,
                      type TEXT NOT NULL,
                      version INTEGER NOT NULL,
                      spec_version TEXT NOT NULL,
                      date_added INTEGER NOT NULL,
                      is_last INTEGER NOT NULL,
                      is_first INTEGER NOT NULL,
                      tlp INTEGER,
                      origin TEXT,
                      body BLOB NOT NULL,
                      UNIQUE (collection, date_added),
                      UNIQUE (collection, object_id, version)
                    );
                    CREATE INDEX taxii_objects_last ON taxii_objects(collection, is_last, date_added);
                    CREATE INDEX taxii_objects_first ON taxii_objects(collection, is_first, date_added);
                    CREATE INDEX taxii_objects_type ON taxii_objects(collection, type, date_added);
                    CREATE INDEX taxii_objects_by_id ON taxii_objects(object_id, version);
                    CREATE TABLE taxii_accounts (
                      name TEXT PRIMARY KEY,
                      password_hash TEXT,
                      token_hash BLOB UNIQUE,
                      created_at INTEGER NOT NULL
                    );
                    CREATE TABLE taxii_rights (
                      account TEXT NOT NULL REFERENCES taxii_accounts(name) ON DELETE CASCADE,
                      collection TEXT NOT NULL REFERENCES taxii_collections(id) ON DELETE CASCADE,
                      can_read INTEGER NOT NULL,
                      can_write INTEGER NOT NULL,
                      PRIMARY KEY (account, collection)
                    ) WITHOUT ROWID;
                    CREATE TABLE taxii_status (
                      id TEXT PRIMARY KEY,
                      account TEXT NOT NULL,
                      body BLOB NOT NULL,
                      created_at INTEGER NOT NULL
                    );
                    """)
        }
        m.registerMigration("v7: console accounts and sessions") { db in
            // Console accounts sign in with a bcrypt password and an optional TOTP secret; a
            // session is kept by the SHA-256 of its cookie value, never the value itself.
            try db.execute(
                sql: """
                    CREATE TABLE console_accounts (
                      name TEXT PRIMARY KEY,
                      role TEXT NOT NULL,
                      password_hash TEXT NOT NULL,
                      totp_secret TEXT,
                      totp_last_step INTEGER,
                      created_at INTEGER NOT NULL
                    );
                    CREATE TABLE console_sessions (
                      id_hash BLOB PRIMARY KEY,
                      account TEXT NOT NULL REFERENCES console_accounts(name) ON DELETE CASCADE,
                      csrf TEXT NOT NULL,
                      created_at INTEGER NOT NULL,
                      last_seen INTEGER NOT NULL
                    );
                    CREATE INDEX console_sessions_by_account ON console_sessions(account);
                    """)
        }
        m.registerMigration("v8: case search, exercise and urgency") { db in
            // Full-text search over every case event's text (rowid = events.seq), the parties'
            // statuses for filters, and urgency and exercise flags for filters and statistics.
            try db.execute(
                sql: """
                    ALTER TABLE cases ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE cases ADD COLUMN exercise INTEGER NOT NULL DEFAULT 0;
                    CREATE INDEX cases_by_initiator ON cases(initiator);
                    CREATE INDEX cases_by_kind ON cases(kind, updated_at);
                    CREATE TABLE case_parties (
                      case_id BLOB NOT NULL,
                      peer TEXT NOT NULL,
                      status TEXT NOT NULL,
                      PRIMARY KEY (case_id, peer)
                    ) WITHOUT ROWID;
                    CREATE INDEX case_parties_by_peer ON case_parties(peer, status);
                    CREATE INDEX case_parties_by_status ON case_parties(status);
                    CREATE VIRTUAL TABLE case_text USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
                    """)
            try SQLiteStore.backfillSearch(db)
        }
        m.registerMigration("v9: notification outbox") { db in
            // One row per notification and destination (a webhook URL, the e-mail command):
            // written in the transaction that stores what caused it, sent at least once, kept
            // with its attempts and last error so operators see what was given up.
            try db.execute(
                sql: """
                    CREATE TABLE notification_outbox (
                      id TEXT NOT NULL,
                      channel TEXT NOT NULL,
                      target TEXT NOT NULL,
                      event TEXT NOT NULL,
                      payload BLOB NOT NULL,
                      created_at INTEGER NOT NULL,
                      attempts INTEGER NOT NULL DEFAULT 0,
                      next_attempt INTEGER NOT NULL,
                      delivered_at INTEGER,
                      failed_at INTEGER,
                      last_error TEXT,
                      PRIMARY KEY (id, channel, target)
                    );
                    CREATE INDEX notification_outbox_due ON notification_outbox(next_attempt) WHERE delivered_at IS NULL AND failed_at IS NULL;
                    CREATE INDEX notification_outbox_by_time ON notification_outbox(created_at);
                    """)
        }
        m.registerMigration("v10: inbox work by deadline") { db in
            // The work each open case asks of each participant (CaseState.work()), kept beside
            // the case by saveCase, so an inbox page and a deadline scan are index ranges in
            // deadline order however many cases are held. Title, kind and flags are copied so a
            // page needs no case state decoded.
            try db.execute(
                sql: """
                    CREATE TABLE case_work (
                      case_id BLOB NOT NULL,
                      viewer TEXT NOT NULL,
                      incoming INTEGER NOT NULL,
                      code TEXT NOT NULL,
                      counterpart TEXT NOT NULL,
                      action TEXT NOT NULL,
                      due INTEGER NOT NULL,
                      show_from INTEGER NOT NULL,
                      show_until INTEGER NOT NULL,
                      kind TEXT NOT NULL,
                      title TEXT NOT NULL,
                      urgent INTEGER NOT NULL,
                      exercise INTEGER NOT NULL,
                      PRIMARY KEY (case_id, viewer, code, counterpart)
                    ) WITHOUT ROWID;
                    CREATE INDEX case_work_inbox ON case_work(viewer, incoming, due, show_from, show_until);
                    CREATE INDEX case_work_by_due ON case_work(due);
                    CREATE INDEX cases_by_update ON cases(updated_at);
                    """)
            try SQLiteStore.backfillWork(db)
        }
        m.registerMigration("v11: responsiveness statistics") { db in
            // One row per case and addressed party: when it was opened, acknowledged and given
            // a final answer, and when each was due, kept in step with the case's state
            // (SQLiteStore.indexTimings), so that statistics aggregate in SQL without decoding states.
            try db.execute(
                sql: """
                    CREATE TABLE case_timings (
                      case_id BLOB NOT NULL,
                      peer TEXT NOT NULL,
                      kind TEXT NOT NULL,
                      initiator TEXT NOT NULL,
                      opened_at INTEGER NOT NULL,
                      ack_at INTEGER,
                      ack_due INTEGER NOT NULL,
                      answered_at INTEGER,
                      answer_due INTEGER,
                      outcome TEXT,
                      grounds TEXT,
                      exercise INTEGER NOT NULL,
                      status TEXT NOT NULL,
                      PRIMARY KEY (case_id, peer)
                    ) WITHOUT ROWID;
                    CREATE INDEX case_timings_by_time ON case_timings(exercise, opened_at);
                    """)
            try SQLiteStore.backfillTimings(db)
        }
        m.registerMigration("v12: communication check deliveries") { db in
            // The transport acknowledgement of each check this node sent: when the addressee's
            // node accepted it (the human answer is a signed event of its own).
            try db.execute(
                sql: """
                    CREATE TABLE check_deliveries (
                      check_id BLOB NOT NULL,
                      peer TEXT NOT NULL,
                      position INTEGER NOT NULL,
                      delivered_at INTEGER,
                      PRIMARY KEY (check_id, peer)
                    );
                    CREATE INDEX check_deliveries_pending ON check_deliveries(peer, position) WHERE delivered_at IS NULL;
                    """)
        }
        m.registerMigration("v13: statistics read from one index") { db in
            // Every column the statistics read, in the order of the period they select by: a
            // statistics request is one contiguous range of this index (a quarter's 26,000 rows
            // in about 20 ms), not one table lookup per row scattered over the table.
            try db.execute(
                sql: """
                    DROP INDEX case_timings_by_time;
                    CREATE INDEX case_timings_by_period ON case_timings(
                      exercise, opened_at, initiator, peer, kind, status, ack_at, ack_due, answered_at, answer_due, outcome, grounds);
                    """)
        }
        m.registerMigration("v14: inbox pages by place") { db in
            // The inbox's whole order (deadline, then the work's key) after the section's columns:
            // a page after or before a place is a range of this index however deep it is.
            try db.execute(
                sql: """
                    CREATE INDEX case_work_page ON case_work(viewer, incoming, due, case_id, code, counterpart, show_from, show_until);
                    """)
        }
        m.registerMigration("v15: provenance indexed for received objects only") { db in
            // Provenance is asked of object versions a peer shared (origin set); objects posted
            // by this node's own clients, nearly every row, no longer pay for an index entry.
            try db.execute(
                sql: """
                    DROP INDEX taxii_objects_by_id;
                    CREATE INDEX taxii_objects_received ON taxii_objects(object_id, version) WHERE origin IS NOT NULL;
                    """)
        }
        m.registerMigration("v16: TAXII shares owed to peers") { db in
            // What a published collection still owes its peers: the objects one POST added (a
            // date_added range) or the versions one DELETE removed, written in the transaction
            // that stored them and deleted in the one that commits the events sharing them. A
            // node stopped between the two finds them here when it starts again.
            try db.execute(
                sql: """
                    CREATE TABLE taxii_pending_shares (
                      id INTEGER PRIMARY KEY,
                      collection TEXT NOT NULL REFERENCES taxii_collections(id) ON DELETE CASCADE,
                      added_from INTEGER,
                      added_through INTEGER,
                      deleted BLOB,
                      created_at INTEGER NOT NULL
                    );
                    """)
        }
        return m
    }
}
