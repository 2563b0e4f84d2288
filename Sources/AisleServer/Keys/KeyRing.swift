public import AisleCore
public import AisleEngine
import Crypto
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The two built-in keys. The admin key may do everything; the ingest key, meant to ship
/// inside a mobile app, has `Permission.ingestBundle`.
public enum KeyScope: String, Sendable, CaseIterable, Comparable {
    case ingest, admin

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs == .ingest && rhs == .admin
    }

    var permissions: Set<Permission> { self == .admin ? [.admin] : Permission.ingestBundle }
}

/// The key a request came with, once checked.
public struct KeyHolder: Sendable, Equatable {
    /// `admin`, `ingest`, or a made key's `key_…` id.
    public var id: String
    public var permissions: Set<Permission>
    /// Browser origins the key may be used from; nil for any.
    public var allowedOrigins: [String]?
    /// Requests a second for this key, instead of `--rate-limit`.
    public var rateLimit: Int?
    var expiresAt: Timestamp?

    public var isAdmin: Bool { permissions.contains(.admin) }

    /// Whether the key may call a route that needs `permission`.
    public func may(_ permission: Permission) -> Bool {
        isAdmin || permissions.contains(permission)
            || (permission == .catalogRead && permissions.contains(.catalogWrite))
    }

    init(_ record: APIKeyRecord) {
        id = record.id
        permissions = record.permissions
        allowedOrigins = record.allowedOrigins
        rateLimit = record.rateLimit
        expiresAt = record.expiresAt
    }

    init(scope: KeyScope) {
        id = scope.rawValue
        permissions = scope.permissions
    }

    /// The storefront's same-origin calls (`StorefrontSession`): the ingest key's permissions,
    /// rate-limited as their own caller.
    static let storefront = KeyHolder(id: "storefront", permissions: Permission.ingestBundle)

    private init(id: String, permissions: Set<Permission>) {
        self.id = id
        self.permissions = permissions
    }
}

/// The server's API keys, held as SHA-256 digests: the plain keys are never stored. The two
/// built-in keys, plus the keys made with `POST /v1/keys` (added and revoked while serving).
public final class KeyRing: Sendable {
    let digests: [KeyScope: [UInt8]]
    /// Made keys by the hex digest of their secret.
    private let made: Mutex<[String: KeyHolder]>

    init(digests: [KeyScope: [UInt8]], made: [APIKeyRecord] = []) {
        self.digests = digests
        var byDigest: [String: KeyHolder] = [:]
        for record in made { byDigest[record.secretDigest] = KeyHolder(record) }
        self.made = Mutex(byDigest)
    }

    /// Plain keys, for tests and for a configuration that names both keys.
    public convenience init(adminKey: String, ingestKey: String) {
        self.init(digests: [.admin: Self.digest(adminKey), .ingest: Self.digest(ingestKey)])
    }

    /// The scope of a built-in `key`, or nil. Compares every digest in constant time, so
    /// timing does not reveal how much of a guess was right.
    public func scope(of key: String) -> KeyScope? {
        let candidate = Self.digest(key)
        var found: KeyScope?
        for scope in KeyScope.allCases {
            guard let stored = digests[scope] else { continue }
            if Self.constantTimeEqual(stored, candidate) { found = scope }
        }
        return found
    }

    /// Who `key` is: a built-in key or a made one. Throws `unauthorized` for a key that is not
    /// ours, revoked or expired (the message says which of the last two).
    public func holder(of key: String, now: Timestamp) throws(AisleError) -> KeyHolder {
        if let scope = scope(of: key) { return KeyHolder(scope: scope) }
        // Made keys are looked up by the digest of the guess: a lookup's timing tells nothing
        // about a secret, whose digest the guesser cannot steer.
        guard let holder = made.withLock({ $0[Hex.string(Self.digest(key))] }) else {
            throw AisleError(code: .unauthorized, message: "the API key is not valid")
        }
        if let expiry = holder.expiresAt, expiry <= now {
            throw AisleError(code: .unauthorized, message: "the API key expired at \(expiry.rfc3339)")
        }
        return holder
    }

    /// Starts accepting a made key.
    func add(_ record: APIKeyRecord) {
        made.withLock { $0[record.secretDigest] = KeyHolder(record) }
    }

    /// Accepts exactly these made keys (another node made or revoked one).
    func replaceMade(_ records: [APIKeyRecord]) {
        var byDigest: [String: KeyHolder] = [:]
        for record in records { byDigest[record.secretDigest] = KeyHolder(record) }
        made.withLock { $0 = byDigest }
    }

    /// Stops accepting a made key at once.
    func remove(id: String) {
        made.withLock { keys in keys = keys.filter { $0.value.id != id } }
    }

    /// A new made key: its id (`key_` and 16 hex digits) and its secret (`aisle_key_` and 32
    /// random bytes in hex), from the system CSPRNG.
    static func newMadeKey() -> (id: String, secret: String) {
        var generator = SystemRandomNumberGenerator()
        let idBytes = (0..<8).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let secretBytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return ("key_" + Hex.string(idBytes), "aisle_key_" + Hex.string(secretBytes))
    }

    /// Loads the keys: configured keys win; otherwise the hashes stored in the data folder;
    /// otherwise new keys are generated, their hashes stored, and the plain keys returned once
    /// in `generated` so the caller can print them.
    public static func load(
        configuration: KeyConfiguration,
        engine: Engine,
        now: Timestamp = .now()
    ) async throws -> (ring: KeyRing, generated: [KeyScope: String]) {
        var digests: [KeyScope: [UInt8]] = [:]
        var generated: [KeyScope: String] = [:]
        for scope in KeyScope.allCases {
            let configured = scope == .admin ? configuration.adminKey : configuration.ingestKey
            if let configured {
                // Stored too, so a key that replaced a lost one stays the only valid key even
                // when a later start does not set it.
                let configuredDigest = digest(configured)
                if try await engine.storedKeyHash(scope: scope.rawValue) != Hex.string(configuredDigest) {
                    try await engine.storeKeyHash(Hex.string(configuredDigest), scope: scope.rawValue, at: now)
                }
                digests[scope] = configuredDigest
            } else if let stored = try await engine.storedKeyHash(scope: scope.rawValue), let bytes = Hex.bytes(stored)
            {
                digests[scope] = bytes
            } else {
                let key = newKey(scope: scope)
                let keyDigest = digest(key)
                try await engine.storeKeyHash(Hex.string(keyDigest), scope: scope.rawValue, at: now)
                digests[scope] = keyDigest
                generated[scope] = key
            }
        }
        return (KeyRing(digests: digests, made: try await engine.apiKeys()), generated)
    }

    /// "aisle_admin_" or "aisle_ingest_" and 32 random bytes in hex, from the system CSPRNG.
    public static func newKey(scope: KeyScope) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "aisle_\(scope.rawValue)_" + Hex.string(bytes)
    }

    /// The secret storefront cookies are signed with: derived from the ingest key's digest, so
    /// nodes sharing the keys share it, and a new ingest key ends every storefront session.
    var storefrontSecret: [UInt8] { digests[.ingest] ?? digests[.admin] ?? [] }

    static func digest(_ key: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(key.utf8)))
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

}

/// Keeps the made keys in step with the other nodes on a shared database: each time the engine
/// hears keys may have changed (`Engine.madeKeysChanged`), they are read again.
struct MadeKeySync: Service {
    let engine: Engine
    let keys: KeyRing
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await _ in engine.madeKeysChanged {
                do {
                    keys.replaceMade(try await engine.apiKeys())
                } catch {
                    logger.warning("made keys not re-read (retried at the next change or reconcile): \(error)")
                }
            }
        }
    }
}
