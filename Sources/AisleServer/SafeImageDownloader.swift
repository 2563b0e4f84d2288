public import AisleCore
public import AisleEngine
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Downloads `image_url` photos without letting a catalog reach inside the network: http and
/// https only, every address a host resolves to must be public (no loopback, private,
/// link-local, carrier-grade NAT or multicast ranges, IPv4 or IPv6), redirects followed by hand
/// (at most 3) with each target checked the same way, a size cap while reading, and a time
/// limit. `allowPrivateAddresses` lifts the address check (a shop whose photos are on its own
/// network, and the tests).
public struct SafeImageDownloader: ImageDownloader {
    let allowPrivateAddresses: Bool
    let timeout: TimeAmount

    public init(allowPrivateAddresses: Bool, timeout: Duration) {
        self.allowPrivateAddresses = allowPrivateAddresses
        self.timeout = .seconds(max(timeout.components.seconds, 1))
    }

    public func download(_ url: String, maxBytes: Int) async throws -> (bytes: [UInt8], mediaType: String?) {
        // A client per download, shut down after it: fetches are rare and in the background,
        // and a client that outlives its owner unshut is an error (a crash in debug builds).
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let result = try await download(url, maxBytes: maxBytes, client: client)
            try? await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func download(_ url: String, maxBytes: Int, client: HTTPClient) async throws -> (bytes: [UInt8], mediaType: String?)
    {
        var current = url
        for _ in 0...Self.maxRedirects {
            try await check(current)
            var request = HTTPClientRequest(url: current)
            request.headers.add(name: "Accept", value: "image/avif,image/webp,image/jpeg,image/png,image/*;q=0.8")
            request.headers.add(name: "User-Agent", value: "Aisle image fetcher")
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, timeout: timeout)
            } catch {
                throw AisleError(code: .unavailable, message: "\(Self.shown(current)) could not be fetched: \(error)")
            }
            if (300..<400).contains(response.status.code), let location = response.headers.first(name: "Location") {
                guard let next = URL(string: location, relativeTo: URL(string: current))?.absoluteString else {
                    throw AisleError(code: .unavailable, message: "\(Self.shown(current)) redirects to a bad URL")
                }
                current = next
                continue
            }
            guard response.status == .ok else {
                throw AisleError(
                    code: .unavailable,
                    message: "\(Self.shown(current)) answered \(response.status.code), not 200"
                )
            }
            if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > maxBytes {
                throw AisleError(
                    code: .payloadTooLarge,
                    message: "\(Self.shown(current)) is \(length) bytes, over \(maxBytes)"
                )
            }
            do {
                let body = try await response.body.collect(upTo: maxBytes)
                return (Array(body.readableBytesView), response.headers.first(name: "Content-Type"))
            } catch is NIOTooManyBytesError {
                throw AisleError(code: .payloadTooLarge, message: "\(Self.shown(current)) is over \(maxBytes) bytes")
            }
        }
        throw AisleError(
            code: .unavailable,
            message: "\(Self.shown(url)) redirects more than \(Self.maxRedirects) times"
        )
    }

    static let maxRedirects = 3

    /// The URL as shown in errors: no query (it may hold a token), at most 200 characters.
    static func shown(_ url: String) -> String {
        String((url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url).prefix(200))
    }

    /// Refuses schemes other than http and https, and hosts with a non-public address.
    func check(_ url: String) async throws {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
            scheme == "http" || scheme == "https",
            let host = parsed.host, !host.isEmpty
        else {
            throw AisleError(
                code: .invalidField,
                message: "\(Self.shown(url)) is not an http or https URL",
                field: "image_url"
            )
        }
        guard !allowPrivateAddresses else { return }
        let addresses = try await Self.resolve(host)
        guard !addresses.isEmpty else {
            throw AisleError(code: .unavailable, message: "\(host.prefix(100)) does not resolve")
        }
        if let blocked = addresses.first(where: { !Self.isPublic($0) }) {
            throw AisleError(
                code: .forbidden,
                message:
                    "\(host.prefix(100)) resolves to \(Self.describe(blocked)), a private address: image_url must be on the public internet (--image-fetch-private allows it)"
            )
        }
    }

    /// The host's addresses (IPv4 as 4 bytes, IPv6 as 16), resolved off the async threads.
    static func resolve(_ host: String) async throws -> [[UInt8]] {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var hints = addrinfo()
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                var result: UnsafeMutablePointer<addrinfo>?
                guard getaddrinfo(bare, nil, &hints, &result) == 0 else {
                    continuation.resume(returning: [])
                    return
                }
                defer { freeaddrinfo(result) }
                var addresses: [[UInt8]] = []
                var entry = result
                while let current = entry {
                    if current.pointee.ai_family == AF_INET, let address = current.pointee.ai_addr {
                        address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
                            addresses.append(withUnsafeBytes(of: ipv4.pointee.sin_addr.s_addr) { Array($0) })
                        }
                    } else if current.pointee.ai_family == AF_INET6, let address = current.pointee.ai_addr {
                        address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { ipv6 in
                            addresses.append(withUnsafeBytes(of: ipv6.pointee.sin6_addr) { Array($0) })
                        }
                    }
                    entry = current.pointee.ai_next
                }
                continuation.resume(returning: addresses)
            }
        }
    }

    /// Whether an address (4 or 16 bytes, network order) is on the public internet.
    public static func isPublic(_ address: [UInt8]) -> Bool {
        if address.count == 4 {
            let (a, b) = (address[0], address[1])
            switch a {
            case 0, 10, 127: return false
            case 100 where (64...127).contains(b): return false  // carrier-grade NAT
            case 169 where b == 254: return false  // link-local, cloud metadata
            case 172 where (16...31).contains(b): return false
            case 192 where b == 168: return false
            case 192 where b == 0 && address[2] == 0: return false
            case 198 where b == 18 || b == 19: return false  // benchmarking
            case 192 where b == 0 && address[2] == 2: return false  // TEST-NET-1
            case 198 where b == 51 && address[2] == 100: return false  // TEST-NET-2
            case 203 where b == 0 && address[2] == 113: return false  // TEST-NET-3
            case 224...255: return false  // multicast, reserved, broadcast
            default: return true
            }
        }
        guard address.count == 16 else { return false }
        if address.allSatisfy({ $0 == 0 }) || address == [UInt8](repeating: 0, count: 15) + [1] { return false }
        // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d): the IPv4 address decides.
        if address[0..<10].allSatisfy({ $0 == 0 }) && address[10] == 0xFF && address[11] == 0xFF {
            return isPublic(Array(address[12..<16]))
        }
        if address[0..<4] == [0x00, 0x64, 0xFF, 0x9B] && address[4..<12].allSatisfy({ $0 == 0 }) {
            return isPublic(Array(address[12..<16]))
        }
        // IPv4-compatible (::a.b.c.d, deprecated) and 6to4 (2002:a.b.c.d::/48): the IPv4 decides.
        if address[0..<12].allSatisfy({ $0 == 0 }) { return isPublic(Array(address[12..<16])) }
        if address[0] == 0x20 && address[1] == 0x02 { return isPublic(Array(address[2..<6])) }
        if address[0..<6] == [0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01] { return false }  // local NAT64 64:ff9b:1::/48
        if address[0] == 0xFE && address[1] & 0xC0 == 0xC0 { return false }  // site-local fec0::/10
        if address[0] & 0xFE == 0xFC { return false }  // unique local fc00::/7
        if address[0] == 0xFE && address[1] & 0xC0 == 0x80 { return false }  // link-local fe80::/10
        if address[0] == 0xFF { return false }  // multicast
        return true
    }

    static func describe(_ address: [UInt8]) -> String {
        if address.count == 4 { return address.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: address.count, by: 2).map {
            String(format: "%x", Int(address[$0]) << 8 | Int(address[$0 + 1]))
        }
        .joined(separator: ":")
    }
}
