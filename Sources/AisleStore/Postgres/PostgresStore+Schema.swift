import Logging
import PostgresNIO

/// The schema, as numbered migrations: each runs once, in its own transaction, recorded in
/// `aisle_migrations`. Text ids sort in byte order (`COLLATE "C"`), as the SQLite store's do.
extension PostgresStore {
    /// The advisory lock nodes take while migrating ("aisle" in ASCII).
    static let migrationLock: Int64 = 0x6169_736c_65

    static let migrations: [[PostgresQuery]] = [
        // 1: the catalog.
        [
            """
            CREATE TABLE items (
                id text COLLATE "C" PRIMARY KEY,
                title text NOT NULL,
                description text,
                categories jsonb NOT NULL,
                brand text,
                price double precision,
                currency text,
                attributes jsonb NOT NULL,
                image_url text,
                in_stock boolean NOT NULL,
                hidden boolean NOT NULL,
                tags jsonb NOT NULL,
                created_at bigint NOT NULL,
                updated_at bigint NOT NULL,
                deleted_at bigint
            )
            """
        ],
        // 2: API keys: the built-in admin and ingest keys' hashes by scope, and the keys made with
        // POST /v1/keys (a revoked one kept, so its id still names something in logs).
        [
            """
            CREATE TABLE api_keys (
                scope text PRIMARY KEY,
                hash text NOT NULL,
                created_at bigint NOT NULL
            )
            """,
            """
            CREATE TABLE made_api_keys (
                id text COLLATE "C" PRIMARY KEY,
                name text NOT NULL,
                secret_digest text NOT NULL UNIQUE,
                permissions text[] NOT NULL,
                created_at bigint NOT NULL,
                expires_at bigint,
                allowed_origins text[],
                rate_limit integer,
                revoked_at bigint
            )
            """,
        ],
        // 3: bandits, with what they learned as the engine's own bytes.
        [
            """
            CREATE TABLE bandits (
                id text COLLATE "C" PRIMARY KEY,
                arms jsonb NOT NULL,
                reward text NOT NULL,
                context jsonb NOT NULL,
                minimum_exploration double precision NOT NULL,
                attribution_window_minutes integer NOT NULL,
                updated_at bigint NOT NULL,
                state bytea
            )
            """
        ],
        // 4: search's query log, clicks, shoppers per query, and settings (the synonym rules).
        [
            """
            CREATE TABLE search_queries (
                query text COLLATE "C" PRIMARY KEY,
                searches bigint NOT NULL,
                zero_results bigint NOT NULL,
                last_searched_at bigint NOT NULL
            )
            """,
            """
            CREATE TABLE search_clicks (
                query text COLLATE "C" NOT NULL,
                item_id text COLLATE "C" NOT NULL,
                clicks bigint NOT NULL,
                PRIMARY KEY (query, item_id)
            )
            """,
            """
            CREATE TABLE search_query_shoppers (
                query text COLLATE "C" NOT NULL,
                shopper bigint NOT NULL,
                PRIMARY KEY (query, shopper)
            )
            """,
            "CREATE INDEX search_query_shoppers_by_shopper ON search_query_shoppers (shopper)",
            """
            CREATE TABLE settings (
                key text PRIMARY KEY,
                value text NOT NULL,
                updated_at bigint NOT NULL,
                revision integer NOT NULL
            )
            """,
        ],
        // 5: the audit log of admin actions.
        [
            """
            CREATE TABLE audit_log (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                at bigint NOT NULL,
                key_id text NOT NULL,
                action text NOT NULL,
                target text,
                status integer NOT NULL
            )
            """,
            "CREATE INDEX audit_log_by_at ON audit_log (at)",
            "CREATE INDEX audit_log_by_target ON audit_log (target)",
        ],
        // 6: experiments and each unit's first exposure.
        [
            """
            CREATE TABLE experiments (
                id text COLLATE "C" PRIMARY KEY,
                variants text NOT NULL,
                metric text NOT NULL,
                guardrails text,
                targeting text,
                status text NOT NULL,
                created_at bigint NOT NULL,
                updated_at bigint NOT NULL,
                started_at bigint
            )
            """,
            """
            CREATE TABLE experiment_exposures (
                experiment_id text NOT NULL,
                unit text COLLATE "C" NOT NULL,
                variant text NOT NULL,
                at bigint NOT NULL,
                PRIMARY KEY (experiment_id, unit)
            )
            """,
            "CREATE INDEX experiment_exposures_by_unit ON experiment_exposures (unit)",
        ],
        // 7: the assistant: FAQs in the order put, orders, conversations and their turns.
        [
            """
            CREATE TABLE assistant_faqs (
                position integer PRIMARY KEY,
                id text NOT NULL,
                question text NOT NULL,
                answer text NOT NULL,
                language text,
                alternate_questions text
            )
            """,
            """
            CREATE TABLE orders (
                id text COLLATE "C" PRIMARY KEY,
                user_id text NOT NULL,
                status text NOT NULL,
                lines text NOT NULL,
                carrier text,
                tracking_number text,
                eta bigint,
                created_at bigint NOT NULL,
                updated_at bigint NOT NULL
            )
            """,
            "CREATE INDEX orders_by_user ON orders (user_id, updated_at)",
            """
            CREATE TABLE assistant_conversations (
                id text COLLATE "C" PRIMARY KEY,
                user_id text,
                device_id text,
                focus text NOT NULL,
                created_at bigint NOT NULL,
                updated_at bigint NOT NULL
            )
            """,
            "CREATE INDEX assistant_conversations_by_user ON assistant_conversations (user_id)",
            "CREATE INDEX assistant_conversations_by_device ON assistant_conversations (device_id)",
            """
            CREATE TABLE assistant_turns (
                conversation_id text NOT NULL,
                position integer NOT NULL,
                turn text NOT NULL,
                PRIMARY KEY (conversation_id, position)
            )
            """,
        ],
        // 8: users and their consent, device links, the event log, reviews, item embeddings and
        // images. Events are rows numbered by `event_counter`, whose one row every append updates:
        // appends from all nodes commit in sequence order, so a scan "after sequence n" never
        // passes an event that commits later with a smaller number.
        [
            """
            CREATE TABLE users (
                id text COLLATE "C" PRIMARY KEY,
                attributes jsonb NOT NULL,
                created_at bigint NOT NULL,
                updated_at bigint NOT NULL
            )
            """,
            """
            CREATE TABLE user_consent (
                user_id text COLLATE "C" PRIMARY KEY,
                personalization boolean NOT NULL,
                tracking boolean NOT NULL,
                updated_at bigint NOT NULL
            )
            """,
            """
            CREATE TABLE device_links (
                device_id text COLLATE "C" PRIMARY KEY,
                user_id text COLLATE "C" NOT NULL,
                linked_at bigint NOT NULL
            )
            """,
            "CREATE INDEX device_links_by_user ON device_links (user_id)",
            "CREATE TABLE event_counter (last bigint NOT NULL)",
            "INSERT INTO event_counter (last) VALUES (0)",
            """
            CREATE TABLE events (
                seq bigint PRIMARY KEY,
                owner text COLLATE "C" NOT NULL,
                event_id text COLLATE "C" UNIQUE,
                type text NOT NULL,
                device_id text,
                item_id text,
                value double precision,
                query text,
                session_id text,
                platform text,
                device_model text,
                app_version text,
                ts bigint NOT NULL,
                context text,
                received_at bigint NOT NULL
            )
            """,
            // Histories, sessions and experiment tallies read one owner's events newest first.
            "CREATE INDEX events_by_owner ON events (owner, ts DESC, seq DESC)",
            """
            CREATE TABLE reviews (
                id text COLLATE "C" PRIMARY KEY,
                item_id text COLLATE "C" NOT NULL,
                user_id text COLLATE "C",
                rating integer,
                text text NOT NULL,
                language text NOT NULL,
                polarity text NOT NULL,
                score double precision NOT NULL,
                intensity text NOT NULL,
                aspects text NOT NULL,
                created_at bigint NOT NULL,
                updated_at bigint NOT NULL
            )
            """,
            "CREATE INDEX reviews_by_item ON reviews (item_id, created_at DESC, id DESC)",
            "CREATE INDEX reviews_by_user ON reviews (user_id, created_at DESC, id DESC)",
            "CREATE INDEX reviews_by_time ON reviews (created_at DESC, id DESC)",
            """
            CREATE TABLE item_embeddings (
                item_id text COLLATE "C" NOT NULL,
                model text NOT NULL,
                vector bytea NOT NULL,
                embedded_at bigint NOT NULL,
                PRIMARY KEY (item_id, model)
            )
            """,
            """
            CREATE TABLE item_images (
                item_id text COLLATE "C" PRIMARY KEY,
                sha256 text NOT NULL,
                format text NOT NULL,
                width integer NOT NULL,
                height integer NOT NULL,
                bytes bigint NOT NULL,
                colours text NOT NULL,
                perceptual_hash bigint NOT NULL,
                features bytea NOT NULL,
                updated_at bigint NOT NULL
            )
            """,
            "CREATE INDEX item_images_by_sha256 ON item_images (sha256)",
            """
            CREATE TABLE item_image_fetches (
                item_id text COLLATE "C" PRIMARY KEY,
                url text NOT NULL,
                error text,
                attempted_at bigint NOT NULL
            )
            """,
        ],
        // 9: the recommendation model's latest snapshot, which every node loads.
        [
            """
            CREATE TABLE model_snapshots (
                name text PRIMARY KEY,
                bytes bytea NOT NULL,
                saved_at bigint NOT NULL
            )
            """
        ],
        // 10: photos' originals, so every node renders any photo.
        [
            """
            CREATE TABLE image_originals (
                sha256 text COLLATE "C" PRIMARY KEY,
                bytes bytea NOT NULL,
                stored_at bigint NOT NULL
            )
            """
        ],
    ]

    /// Applies the migrations this database lacks, under the advisory lock.
    func migrate() async throws {
        try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(Self.migrationLock))", logger: logger)
            do {
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS aisle_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                    logger: logger
                )
                var applied = 0
                for try await version in try await connection.query(
                    "SELECT COALESCE(MAX(version), 0) FROM aisle_migrations",
                    logger: logger
                ).decode(Int.self) {
                    applied = version
                }
                for (index, statements) in Self.migrations.enumerated() where index + 1 > applied {
                    let version = index + 1
                    try await connection.withTransaction(logger: logger) { transaction in
                        for statement in statements { try await transaction.query(statement, logger: logger) }
                        try await transaction.query(
                            "INSERT INTO aisle_migrations (version) VALUES (\(version))",
                            logger: logger
                        )
                    }
                }
                // An import that died during its bulk load left the event indexes out.
                for statement in Self.eventIndexes { try await connection.query(statement, logger: logger) }
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger)
                throw error
            }
            try await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger)
        }
    }

    /// The migrations this database has had, in order.
    func appliedMigrations() async throws -> [Int] {
        var versions: [Int] = []
        for try await version in try await query(
            "SELECT version FROM aisle_migrations ORDER BY version",
            logger: logger
        ).decode(Int.self) {
            versions.append(version)
        }
        return versions
    }
}
