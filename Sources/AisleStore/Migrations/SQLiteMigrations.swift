import GRDB

/// The SQLite schema, as named, append-only migrations: never edit a shipped one, add the next.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: catalog, users, events, device links, keys") { db in
            try db.execute(
                sql: """
                    CREATE TABLE items (
                        id TEXT PRIMARY KEY NOT NULL,
                        title TEXT NOT NULL,
                        description TEXT,
                        categories TEXT NOT NULL DEFAULT '[]',
                        brand TEXT,
                        price REAL,
                        currency TEXT,
                        attributes TEXT NOT NULL DEFAULT '{}',
                        image_url TEXT,
                        in_stock INTEGER NOT NULL DEFAULT 1,
                        tags TEXT NOT NULL DEFAULT '[]',
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        deleted_at INTEGER
                    );
                    CREATE TABLE users (
                        id TEXT PRIMARY KEY NOT NULL,
                        attributes TEXT NOT NULL DEFAULT '{}',
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    -- seq orders arrival; user_id is the owner after identity resolution
                    -- (attributed = 1 when Aisle filled it from a device link).
                    CREATE TABLE events (
                        seq INTEGER PRIMARY KEY,
                        event_id TEXT,
                        type TEXT NOT NULL,
                        user_id TEXT,
                        device_id TEXT,
                        item_id TEXT,
                        value REAL,
                        query TEXT,
                        session_id TEXT NOT NULL,
                        platform TEXT,
                        device_model TEXT,
                        app_version TEXT,
                        ts INTEGER NOT NULL,
                        context TEXT,
                        received_at INTEGER NOT NULL,
                        attributed INTEGER NOT NULL DEFAULT 0,
                        CHECK (user_id IS NOT NULL OR device_id IS NOT NULL)
                    );
                    CREATE UNIQUE INDEX events_by_event_id ON events(event_id) WHERE event_id IS NOT NULL;
                    CREATE INDEX events_by_user ON events(user_id, ts, seq) WHERE user_id IS NOT NULL;
                    -- Only anonymous events are looked up by device (sessions, identify, erasure);
                    -- a partial index keeps the signed-in majority out of it.
                    CREATE INDEX events_by_anonymous_device ON events(device_id, ts) WHERE user_id IS NULL;
                    CREATE TABLE device_links (
                        device_id TEXT PRIMARY KEY NOT NULL,
                        user_id TEXT NOT NULL,
                        linked_at INTEGER NOT NULL
                    );
                    CREATE INDEX device_links_by_user ON device_links(user_id);
                    CREATE TABLE api_keys (
                        scope TEXT PRIMARY KEY NOT NULL,
                        hash TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v2: items can be hidden from recommendations and search") { db in
            try db.execute(sql: "ALTER TABLE items ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v3: reviews and their analyses") { db in
            // The analysis is kept beside the text: summaries read it without re-analysing, and
            // polarity and score are columns so that per-item aggregates stay in SQL.
            try db.execute(
                sql: """
                    CREATE TABLE reviews (
                        id TEXT PRIMARY KEY NOT NULL,
                        item_id TEXT NOT NULL,
                        user_id TEXT,
                        rating INTEGER CHECK (rating BETWEEN 1 AND 5),
                        text TEXT NOT NULL,
                        language TEXT NOT NULL,
                        polarity TEXT NOT NULL,
                        score REAL NOT NULL,
                        intensity TEXT NOT NULL,
                        aspects TEXT NOT NULL DEFAULT '[]',
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX reviews_by_item ON reviews(item_id, created_at, id);
                    CREATE INDEX reviews_by_user ON reviews(user_id) WHERE user_id IS NOT NULL;
                    """
            )
        }
        migrator.registerMigration("v4: item text embeddings") { db in
            // One vector per item and encoder, little-endian float32; embedded_at tells the
            // background embedder whether the item changed since.
            try db.execute(
                sql: """
                    CREATE TABLE item_embeddings (
                        item_id TEXT NOT NULL,
                        model TEXT NOT NULL,
                        vector BLOB NOT NULL,
                        embedded_at INTEGER NOT NULL,
                        PRIMARY KEY (item_id, model)
                    );
                    """
            )
        }
        migrator.registerMigration("v5: search query log, clicks and settings") { db in
            // Counts added up from the server's in-memory log every few seconds.
            try db.execute(
                sql: """
                    CREATE TABLE search_queries (
                        query TEXT PRIMARY KEY,
                        searches INTEGER NOT NULL,
                        zero_results INTEGER NOT NULL,
                        last_searched_at INTEGER NOT NULL
                    );
                    CREATE TABLE search_clicks (
                        query TEXT NOT NULL,
                        item_id TEXT NOT NULL,
                        clicks INTEGER NOT NULL,
                        PRIMARY KEY (query, item_id)
                    );
                    CREATE TABLE settings (
                        key TEXT PRIMARY KEY,
                        value TEXT NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v6: setting revisions") { db in
            // Concurrent writers of a setting reach the engine in either order; the revision
            // tells it which one the store kept.
            try db.execute(sql: "ALTER TABLE settings ADD COLUMN revision INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v7: events packed into blocks") { db in
            // One row per block of one owner's events instead of one per event, and a hash
            // index of event ids instead of a unique index (EventBlock.swift says why).
            try db.execute(
                sql: """
                    CREATE TABLE event_blocks (
                        first_seq INTEGER PRIMARY KEY,
                        owner TEXT NOT NULL,
                        count INTEGER NOT NULL,
                        min_ts INTEGER NOT NULL,
                        max_ts INTEGER NOT NULL,
                        attributed INTEGER NOT NULL DEFAULT 0,
                        events BLOB NOT NULL
                    );
                    CREATE INDEX event_blocks_by_owner ON event_blocks(owner, max_ts);
                    -- Ids stored one by one, ordered (ids that grow land on the same pages).
                    CREATE TABLE event_ids (event_id TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;
                    -- Ids of bulk loads and of the v1 table: a hash index written in one go.
                    CREATE TABLE event_id_buckets (
                        bucket INTEGER PRIMARY KEY,
                        entries BLOB NOT NULL
                    );
                    """
            )
            try MigrationV7.packEventRows(db)
            try db.execute(sql: "DROP TABLE events")
        }
        migrator.registerMigration("v8: distinct shoppers per searched query") { db in
            // Autocomplete suggests a query only once enough distinct shoppers made it. A
            // shopper is a 64-bit digest of their user or device id, not the id; the server
            // stores at most its threshold of them per query.
            try db.execute(
                sql: """
                    CREATE TABLE search_query_shoppers (
                        query TEXT NOT NULL,
                        shopper INTEGER NOT NULL,
                        PRIMARY KEY (query, shopper)
                    ) WITHOUT ROWID;
                    CREATE INDEX search_query_shoppers_by_shopper ON search_query_shoppers(shopper);
                    """
            )
        }
        migrator.registerMigration("v9: keys made through the API") { db in
            // The built-in admin and ingest keys stay in api_keys (by scope); these are the
            // named, scoped keys of POST /v1/keys. A revoked key is kept (revoked_at) so its id
            // still names something in logs.
            try db.execute(
                sql: """
                    CREATE TABLE made_api_keys (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        secret_digest TEXT NOT NULL UNIQUE,
                        permissions TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER,
                        allowed_origins TEXT,
                        rate_limit INTEGER,
                        revoked_at INTEGER
                    );
                    """
            )
        }
        migrator.registerMigration("v10: consent") { db in
            try db.execute(
                sql: """
                    CREATE TABLE user_consent (
                        user_id TEXT PRIMARY KEY NOT NULL,
                        personalization INTEGER NOT NULL,
                        tracking INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v11: audit log") { db in
            try db.execute(
                sql: """
                    CREATE TABLE audit_log (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        at INTEGER NOT NULL,
                        key_id TEXT NOT NULL,
                        action TEXT NOT NULL,
                        target TEXT,
                        status INTEGER NOT NULL
                    );
                    CREATE INDEX audit_log_by_at ON audit_log(at);
                    CREATE INDEX audit_log_by_target ON audit_log(target);
                    """
            )
        }
        migrator.registerMigration("v12: experiments and exposures") { db in
            try db.execute(
                sql: """
                    CREATE TABLE experiments (
                        id TEXT PRIMARY KEY NOT NULL,
                        variants TEXT NOT NULL,
                        metric TEXT NOT NULL,
                        status TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        started_at INTEGER
                    );
                    CREATE TABLE experiment_exposures (
                        experiment_id TEXT NOT NULL,
                        unit TEXT NOT NULL,
                        variant TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        PRIMARY KEY (experiment_id, unit)
                    ) WITHOUT ROWID;
                    CREATE INDEX experiment_exposures_by_unit ON experiment_exposures(unit);
                    """
            )
        }
        migrator.registerMigration("v13: bandits") { db in
            try db.execute(
                sql: """
                    CREATE TABLE bandits (
                        id TEXT PRIMARY KEY NOT NULL,
                        arms TEXT NOT NULL,
                        reward TEXT NOT NULL,
                        context TEXT NOT NULL,
                        minimum_exploration REAL NOT NULL,
                        attribution_window_minutes INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        state BLOB
                    );
                    """
            )
        }
        migrator.registerMigration("v14: experiment guardrails and targeting, exposures by time") { db in
            try db.execute(
                sql: """
                    ALTER TABLE experiments ADD COLUMN guardrails TEXT NOT NULL DEFAULT '[]';
                    ALTER TABLE experiments ADD COLUMN targeting TEXT NOT NULL DEFAULT '{}';
                    CREATE INDEX experiment_exposures_by_time ON experiment_exposures(experiment_id, at);
                    """
            )
        }
        migrator.registerMigration("v15: item images") { db in
            try db.execute(
                sql: """
                    CREATE TABLE item_images (
                        item_id TEXT PRIMARY KEY NOT NULL,
                        sha256 TEXT NOT NULL,
                        format TEXT NOT NULL,
                        width INTEGER NOT NULL,
                        height INTEGER NOT NULL,
                        bytes INTEGER NOT NULL,
                        colours TEXT NOT NULL,
                        perceptual_hash INTEGER NOT NULL,
                        features BLOB NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX item_images_by_sha256 ON item_images(sha256);
                    """
            )
        }
        migrator.registerMigration("v16: image_url fetches") { db in
            try db.execute(
                sql: """
                    CREATE TABLE item_image_fetches (
                        item_id TEXT PRIMARY KEY NOT NULL,
                        url TEXT NOT NULL,
                        error TEXT,
                        attempted_at INTEGER NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v17: the assistant's FAQs, orders and conversations") { db in
            try db.execute(
                sql: """
                    CREATE TABLE assistant_faqs (
                        position INTEGER PRIMARY KEY,
                        id TEXT NOT NULL UNIQUE,
                        question TEXT NOT NULL,
                        answer TEXT NOT NULL,
                        language TEXT
                    );
                    CREATE TABLE orders (
                        id TEXT PRIMARY KEY NOT NULL,
                        user_id TEXT NOT NULL,
                        status TEXT NOT NULL,
                        lines TEXT NOT NULL,
                        carrier TEXT,
                        tracking_number TEXT,
                        eta INTEGER,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX orders_by_user ON orders(user_id, updated_at);
                    CREATE TABLE assistant_conversations (
                        id TEXT PRIMARY KEY NOT NULL,
                        user_id TEXT,
                        device_id TEXT,
                        focus TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX assistant_conversations_by_user ON assistant_conversations(user_id);
                    CREATE INDEX assistant_conversations_by_device ON assistant_conversations(device_id);
                    CREATE TABLE assistant_turns (
                        conversation_id TEXT NOT NULL,
                        position INTEGER NOT NULL,
                        turn TEXT NOT NULL,
                        PRIMARY KEY (conversation_id, position)
                    ) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v18: FAQ alternate questions") { db in
            try db.execute(sql: "ALTER TABLE assistant_faqs ADD COLUMN alternate_questions TEXT")
        }
        return migrator
    }
}
