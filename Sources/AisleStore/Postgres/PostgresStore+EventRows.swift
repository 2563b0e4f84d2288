import AisleCore
import Foundation
import PostgresNIO

/// The columns of the events an append stores, as arrays for one `unnest` insert. Arrays of
/// parameters hold no NULL, so a per-row mask says which optional text is absent.
struct EventRows {
    private var sequences: [Int64] = []
    private var owners: [String] = []
    private var eventIDs: [String] = []
    private var types: [String] = []
    private var devices: [String] = []
    private var items: [String] = []
    private var values: [Double] = []
    private var queries: [String] = []
    private var sessions: [String] = []
    private var platforms: [String] = []
    private var models: [String] = []
    private var appVersions: [String] = []
    private var timestamps: [Int64] = []
    private var contexts: [String] = []
    private var receivedAts: [Int64] = []
    private var absent: [Int32] = []

    var count: Int { sequences.count }

    /// Bits of `absent`, one per optional column.
    private enum Absent {
        static let eventID: Int32 = 1
        static let device: Int32 = 2
        static let item: Int32 = 4
        static let value: Int32 = 8
        static let query: Int32 = 16
        static let session: Int32 = 32
        static let platform: Int32 = 64
        static let model: Int32 = 128
        static let appVersion: Int32 = 256
        static let context: Int32 = 512
    }

    mutating func append(_ event: Event, sequence: Int64, owner: String, receivedAt: Timestamp) {
        var mask: Int32 = 0
        func text(_ value: String?, _ bit: Int32) -> String {
            if value == nil { mask |= bit }
            return value ?? ""
        }
        sequences.append(sequence)
        owners.append(owner)
        eventIDs.append(text(event.eventID?.rawValue, Absent.eventID))
        types.append(event.type.rawValue)
        devices.append(text(event.deviceID?.rawValue, Absent.device))
        items.append(text(event.itemID?.rawValue, Absent.item))
        if event.value == nil { mask |= Absent.value }
        values.append(event.value ?? 0)
        queries.append(text(event.query, Absent.query))
        sessions.append(text(event.sessionID?.rawValue, Absent.session))
        platforms.append(text(event.device.platform?.rawValue, Absent.platform))
        models.append(text(event.device.model, Absent.model))
        appVersions.append(text(event.device.appVersion, Absent.appVersion))
        timestamps.append(event.timestamp.millisecondsSinceEpoch)
        contexts.append(text(event.context.map { JSONValue.object($0).jsonText }, Absent.context))
        receivedAts.append(receivedAt.millisecondsSinceEpoch)
        absent.append(mask)
    }

    /// Calls `body` with each row's sequence number and event id, for rows that have one.
    func forEachEventID(_ body: (Int64, String) -> Void) {
        for row in sequences.indices where absent[row] & Absent.eventID == 0 {
            body(sequences[row], eventIDs[row])
        }
    }

    /// The column names, in the order of `insert` and `copy`.
    static let columns = [
        "seq", "owner", "event_id", "type", "device_id", "item_id", "value", "query", "session_id", "platform",
        "device_model", "app_version", "ts", "context", "received_at",
    ]

    /// Streams the rows with `COPY … FROM STDIN` (text format: tab-separated, `\N` for NULL,
    /// backslash escapes), the fastest way into a table (an import's path).
    func copy(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.copyFrom(table: "events", columns: Self.columns, logger: logger) { writer in
            var text = CopyText()
            for row in sequences.indices {
                let absent = self.absent[row]
                text.integer(sequences[row])
                text.field(owners[row])
                text.field(eventIDs[row], absent: absent & Absent.eventID != 0)
                text.field(types[row])
                text.field(devices[row], absent: absent & Absent.device != 0)
                text.field(items[row], absent: absent & Absent.item != 0)
                // Swift's shortest form that reads back as the same double.
                let noValue = absent & Absent.value != 0
                text.field(noValue ? "" : values[row].description, absent: noValue)
                text.field(queries[row], absent: absent & Absent.query != 0)
                text.field(sessions[row], absent: absent & Absent.session != 0)
                text.field(platforms[row], absent: absent & Absent.platform != 0)
                text.field(models[row], absent: absent & Absent.model != 0)
                text.field(appVersions[row], absent: absent & Absent.appVersion != 0)
                text.separator()
                text.integer(timestamps[row])
                text.field(contexts[row], absent: absent & Absent.context != 0)
                text.separator()
                text.integer(receivedAts[row])
                text.endRow()
                if text.bytes.count >= 1 << 20 {
                    try await writer.write(ByteBuffer(bytes: text.bytes))
                    text.bytes.removeAll(keepingCapacity: true)
                }
            }
            if !text.bytes.isEmpty { try await writer.write(ByteBuffer(bytes: text.bytes)) }
        }
    }

    /// Inserts the rows and moves the event counter to `lastSequence`, in one statement.
    func insert(_ connection: PostgresConnection, logger: Logger, lastSequence: Int64) async throws {
        _ = try await connection.execute(Insert(rows: self, lastSequence: lastSequence), logger: logger)
    }

    /// Inserts the rows and moves the event counter to `lastSequence`, in one statement and
    /// transaction, only if the counter row's version is still `xmin` (no write to the log
    /// since it was read); returns whether it did.
    func insert(_ connection: PostgresConnection, logger: Logger, lastSequence: Int64, ifCounterIs xmin: String)
        async throws -> Bool
    {
        for try await moved in try await connection.execute(
            InsertIfUnchanged(rows: self, lastSequence: lastSequence, xmin: xmin),
            logger: logger
        ) {
            return moved > 0
        }
        return false
    }

    /// `Insert` when the counter row is unchanged. The counter's update comes first and the
    /// rows follow only if it found the row: under a concurrent write, PostgreSQL re-checks the
    /// condition on the row's newest version once that write commits, so the update finds
    /// nothing and nothing is inserted.
    struct InsertIfUnchanged: PostgresPreparedStatement {
        static let sql = """
            WITH counter AS (UPDATE event_counter SET last = $17 WHERE xmin::text = $18 RETURNING last),
            inserted AS (\(insertRows) WHERE EXISTS (SELECT 1 FROM counter))
            SELECT count(*) FROM counter
            """
        typealias Row = Int64

        let rows: EventRows
        let lastSequence: Int64
        let xmin: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = try Insert(rows: rows, lastSequence: lastSequence).makeBindings()
            bindings.append(xmin)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
    }

    /// The insert of the rows bound as $1…$16 (a column's absent bit makes it NULL); the
    /// statements add how the counter moves.
    static let insertRows = """
        INSERT INTO events (seq, owner, event_id, type, device_id, item_id, value, query,
            session_id, platform, device_model, app_version, ts, context, received_at)
        SELECT seq, owner, \(present("event_id", Absent.eventID)), type, \(present("device_id", Absent.device)),
            \(present("item_id", Absent.item)), \(present("value", Absent.value)),
            \(present("query", Absent.query)), \(present("session_id", Absent.session)),
            \(present("platform", Absent.platform)), \(present("device_model", Absent.model)),
            \(present("app_version", Absent.appVersion)), ts, \(present("context", Absent.context)), received_at
        FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[],
            $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bigint[], $14::text[],
            $15::bigint[], $16::integer[])
            AS e(seq, owner, event_id, type, device_id, item_id, value, query, session_id, platform,
                device_model, app_version, ts, context, received_at, absent)
        """

    private static func present(_ column: String, _ bit: Int32) -> String {
        "CASE WHEN absent & \(bit) = 0 THEN \(column) END"
    }

    /// The rows' insert and the counter's move, prepared once per connection (every append
    /// runs it).
    struct Insert: PostgresPreparedStatement {
        static let sql = """
            WITH inserted AS (\(insertRows))
            UPDATE event_counter SET last = $17
            """
        typealias Row = ()

        let rows: EventRows
        let lastSequence: Int64

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(rows.sequences)
            bindings.append(rows.owners)
            bindings.append(rows.eventIDs)
            bindings.append(rows.types)
            bindings.append(rows.devices)
            bindings.append(rows.items)
            bindings.append(rows.values)
            bindings.append(rows.queries)
            bindings.append(rows.sessions)
            bindings.append(rows.platforms)
            bindings.append(rows.models)
            bindings.append(rows.appVersions)
            bindings.append(rows.timestamps)
            bindings.append(rows.contexts)
            bindings.append(rows.receivedAts)
            bindings.append(rows.absent)
            bindings.append(lastSequence)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws {}
    }
}

/// Rows in `COPY`'s text format: fields separated by tabs, `\N` for NULL, and backslash, tab,
/// newline and carriage return escaped with a backslash.
struct CopyText {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity((1 << 20) + 4096) }

    mutating func separator() { bytes.append(UInt8(ascii: "\t")) }

    mutating func endRow() { bytes.append(UInt8(ascii: "\n")) }

    /// A tab, then the text (or NULL).
    mutating func field(_ text: String, absent: Bool = false) {
        separator()
        if absent {
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(UInt8(ascii: "N"))
            return
        }
        var text = text
        text.withUTF8 { utf8 in
            // Most text needs no escape: copied whole.
            guard utf8.contains(where: { $0 == 92 || $0 == 9 || $0 == 10 || $0 == 13 }) else {
                bytes.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case 92: bytes.append(92); bytes.append(92)
                case 9: bytes.append(92); bytes.append(UInt8(ascii: "t"))
                case 10: bytes.append(92); bytes.append(UInt8(ascii: "n"))
                case 13: bytes.append(92); bytes.append(UInt8(ascii: "r"))
                default: bytes.append(byte)
                }
            }
        }
    }

    /// A number in decimal, without a separator before it.
    mutating func integer(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { digits in
            repeat {
                digits[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(digits[index]) }
        }
    }
}
