public import AisleCore
public import AisleEngine
import Crypto
import Foundation

/// What a key may do. The admin key may do everything; the ingest key, meant to ship inside a
/// mobile app, may only post events and identify devices.
public enum KeyScope: String, Sendable, CaseIterable, Comparable {
    case ingest, admin

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs == .ingest && rhs == .admin
    }
}

/// The server's API keys, held as SHA-256 digests: the plain keys are never stored.
public struct KeyRing: Sendable {
    let digests: [KeyScope: [UInt8]]

    init(digests: [KeyScope: [UInt8]]) {
        self.digests = digests
    }

    /// Plain keys, for tests and for a configuration that names both keys.
    public init(adminKey: String, ingestKey: String) {
        digests = [.admin: Self.digest(adminKey), .ingest: Self.digest(ingestKey)]
    }

    /// The scope of `key`, or nil when it is no key of ours. Compares every digest in constant
    /// time, so timing does not reveal how much of a guess was right.
    public func scope(of key: String) -> KeyScope? {
        let candidate = Self.digest(key)
        var found: KeyScope?
        for scope in KeyScope.allCases {
            guard let stored = digests[scope] else { continue }
            if Self.constantTimeEqual(stored, candidate) { found = scope }
        }
        return found
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
                if try await engine.storedKeyHash(scope: scope.rawValue) != hex(configuredDigest) {
                    try await engine.storeKeyHash(hex(configuredDigest), scope: scope.rawValue, at: now)
                }
                digests[scope] = configuredDigest
            } else if let stored = try await engine.storedKeyHash(scope: scope.rawValue), let bytes = hexBytes(stored) {
                digests[scope] = bytes
            } else {
                let key = newKey(scope: scope)
                let keyDigest = digest(key)
                try await engine.storeKeyHash(hex(keyDigest), scope: scope.rawValue, at: now)
                digests[scope] = keyDigest
                generated[scope] = key
            }
        }
        return (KeyRing(digests: digests), generated)
    }

    /// "aisle_admin_" or "aisle_ingest_" and 32 random bytes in hex, from the system CSPRNG.
    public static func newKey(scope: KeyScope) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "aisle_\(scope.rawValue)_" + hex(bytes)
    }

    static func digest(_ key: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(key.utf8)))
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let byte = UInt8(String(decoding: utf8[index..<index + 2], as: UTF8.self), radix: 16) else {
                return nil
            }
            bytes.append(byte)
            index += 2
        }
        return bytes
    }
}
