import AisleCore
import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Seals the personal attributes of user profiles (AES-256-GCM) before they are stored and
/// opens them when they are read, so the data folder alone does not give them away. A sealed
/// value is the string `aisle-sealed:v1:` + base64(nonce | ciphertext | tag) of the value's JSON.
final class PersonalDataSeal: Sendable {
    static let prefix = "aisle-sealed:v1:"
    /// The key's bytes: `SymmetricKey` is not `Sendable`, so one is made per use (cheap).
    private let keyBytes: [UInt8]
    /// Keys values may also be sealed under (a rotation in progress), tried after `keyBytes`.
    private let olderKeys: [[UInt8]]
    private let personal: Set<String>
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    init(key: [UInt8], olderKeys: [[UInt8]] = [], personalAttributes: Set<String>) {
        keyBytes = key
        self.olderKeys = olderKeys
        personal = personalAttributes
    }

    /// Where the key file of `configuration` is.
    static func keyFile(for configuration: AisleConfiguration) -> String {
        configuration.privacy.dataKeyFile
            ?? (configuration.store.dataDirectory as NSString).appendingPathComponent("data.key")
    }

    /// Reads a key file; nil only when there is no file. A file that exists but cannot be
    /// read is an error: making a new key over it would lose every sealed value.
    static func readKey(at path: String) throws -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw EngineSetup.Failure(
                option: "--data-key-file",
                message: "cannot read the data key at \(path): \(error)"
            )
        }
        guard let bytes = Hex.bytes(text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 else {
            throw EngineSetup.Failure(option: "--data-key-file", message: "\(path) does not hold a 32-byte hex key")
        }
        return bytes
    }

    /// Writes a new random key to `path`, which must not exist (never over a key), created
    /// with mode 0600 from the start; returns it.
    static func writeNewKey(at path: String) throws -> [UInt8] {
        let fresh = Array(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        let descriptor = createExclusive(path)
        guard descriptor >= 0 else {
            throw EngineSetup.Failure(
                option: "--data-key-file",
                message: "cannot create \(path): \(String(cString: strerror(errno)))"
            )
        }
        defer { close(descriptor) }
        let text = Array(Hex.string(fresh).utf8)
        guard text.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) == text.count,
            fsync(descriptor) == 0
        else {
            unlink(path)
            throw EngineSetup.Failure(option: "--data-key-file", message: "cannot write \(path)")
        }
        return fresh
    }

    /// open(2) with O_EXCL: fails when the file exists (the method `open` shadows it here).
    private static func createExclusive(_ path: String) -> Int32 {
        #if canImport(Glibc)
            Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        #else
            Darwin.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        #endif
    }

    /// `user` with its sealed attributes opened; throws when one opens under no key (a
    /// rotation must not write a profile back without it).
    func openEvery(_ user: User) throws -> User {
        let opened = open(user)
        let lost = user.attributes.keys.filter { opened.attributes[$0] == nil }
        guard lost.isEmpty else {
            throw EngineSetup.Failure(
                option: "--data-key-file",
                message:
                    "user \(user.id.rawValue.prefix(64)): \(lost.sorted().joined(separator: ", ")) open under neither the old nor the new key; is this the key the server uses?"
            )
        }
        return opened
    }

    /// A stable pseudonym of `id` for analysts' exports: `p_` and 24 hex digits of
    /// HMAC-SHA256 under the data key, labelled by `kind`, so the same user is the same
    /// pseudonym across exports and the id cannot be recovered without the key.
    func pseudonym(_ id: String, kind: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("analyst:\(kind):\(id)".utf8), using: key)
        return "p_" + Hex.string(code.prefix(12))
    }

    /// Whether `user` holds any sealed value.
    static func holdsSealed(_ user: User) -> Bool {
        user.attributes.values.contains { if case .string(let text) = $0 { text.hasPrefix(prefix) } else { false } }
    }

    /// The data key of `configuration`: `dataKey` (64 hex digits), else the key file, made
    /// with a new random key (mode 0600) when missing.
    /// `making: false` (an export, a rotation) never makes one: no key there is an error.
    /// Where a shared store keeps the data key's fingerprint (`EngineSetup.checkSharedDataKey`).
    static let fingerprintScope = "data-key-fingerprint"

    /// The key's SHA-256 in hex, domain-separated from any other digest of it.
    static func fingerprint(_ key: [UInt8]) -> String {
        Hex.string(Array(SHA256.hash(data: Array("aisle data key fingerprint".utf8) + key)))
    }

    static func key(for configuration: AisleConfiguration, making: Bool = true) throws -> [UInt8] {
        if let text = configuration.privacy.dataKey {
            guard let bytes = Hex.bytes(text), bytes.count == 32 else {
                throw EngineSetup.Failure(
                    option: "AISLE_DATA_KEY",
                    message: "the data key must be 64 hex digits (32 bytes)"
                )
            }
            return bytes
        }
        let path = keyFile(for: configuration)
        if let key = try readKey(at: path) { return key }
        guard making else {
            throw EngineSetup.Failure(
                option: "--data-key-file",
                message: "no data key at \(path); give --data-key-file"
            )
        }
        return try writeNewKey(at: path)
    }

    /// `user` with its personal attributes sealed.
    func seal(_ user: User) throws -> User {
        var sealed = user
        for (name, value) in user.attributes where personal.contains(name) {
            if case .string(let text) = value, text.hasPrefix(Self.prefix) { continue }
            let box = try AES.GCM.seal(try JSONEncoder().encode(value), using: key)
            guard let combined = box.combined else { throw AisleError(code: .unavailable, message: "cannot seal") }
            sealed.attributes[name] = .string(Self.prefix + combined.base64EncodedString())
        }
        return sealed
    }

    /// `user` with its sealed attributes opened. A value sealed under another key is left
    /// out (and the rest still answered): it cannot be read, and must not be shown as text.
    func open(_ user: User) -> User {
        var opened = user
        for (name, value) in user.attributes {
            guard case .string(let text) = value, text.hasPrefix(Self.prefix) else { continue }
            guard let data = Data(base64Encoded: String(text.dropFirst(Self.prefix.count))),
                let box = try? AES.GCM.SealedBox(combined: data),
                let plain = ([keyBytes] + olderKeys).lazy.compactMap({
                    try? AES.GCM.open(box, using: SymmetricKey(data: $0))
                }).first,
                let decoded = try? JSONDecoder().decode(JSONValue.self, from: plain)
            else {
                opened.attributes[name] = nil
                continue
            }
            opened.attributes[name] = decoded
        }
        return opened
    }
}
