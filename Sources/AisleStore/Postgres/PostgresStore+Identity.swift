public import AisleCore
import Foundation
import PostgresNIO

/// Identity on PostgreSQL (`IdentityStore`). `identify` takes the event log's lock, as appends
/// do: a link and an append of the same device on two nodes apply one after the other, so no
/// event of the device is left with its anonymous owner.
extension PostgresStore: IdentityStore {
    public func identify(device: DeviceID, as user: UserID, at now: Timestamp, relinking: RelinkPolicy) async throws
        -> IdentifyOutcome
    {
        let logger = self.logger
        return try await transaction { connection in
            try await Self.lockEventLog(connection, logger: logger)
            let previous = try await Self.deviceOwners([device.rawValue], connection, logger: logger)[
                CacheKey(device.rawValue)
            ].flatMap { $0 }
            let changedHands = previous.map { !sameUTF8($0, user.rawValue) } ?? false
            if changedHands && relinking == .refuse {
                throw AisleError(
                    code: .forbidden,
                    message:
                        "device \"\(device)\" is linked to another user; moving it needs the admin key (call identify from your backend)"
                )
            }
            let attributed = try await Self.link(device, to: user, at: now, connection: connection, logger: logger)
            return IdentifyOutcome(
                previousUser: changedHands ? previous.map(UserID.init) : nil,
                eventsAttributed: attributed
            )
        }
    }

    public func devices(of user: UserID) async throws -> [DeviceLink] {
        var links: [(device: String, linkedAt: Int64)] = []
        for try await (device, linkedAt) in try await query(
            """
            SELECT device_id, linked_at FROM device_links WHERE user_id = \(user.rawValue)
            ORDER BY linked_at DESC, device_id
            """,
            logger: logger
        ).decode((String, Int64).self) {
            links.append((device, linkedAt))
        }
        if links.isEmpty { return [] }
        // Each linked device's latest event among the user's.
        var latest: [CacheKey: (ts: Int64, device: DeviceInfo)] = [:]
        for try await (device, ts, platform, model, appVersion) in try await query(
            """
            SELECT d.device_id, e.ts, e.platform, e.device_model, e.app_version
            FROM unnest(\(links.map(\.device))::text[]) AS d(device_id)
            CROSS JOIN LATERAL (SELECT ts, platform, device_model, app_version FROM events
                WHERE owner = \(Self.owner(user: user)) AND events.device_id = d.device_id
                ORDER BY ts DESC, seq DESC LIMIT 1) e
            """,
            logger: logger
        ).decode((String, Int64, String?, String?, String?).self) {
            latest[CacheKey(device)] = (
                ts,
                DeviceInfo(platform: platform.flatMap(Platform.init(rawValue:)), model: model, appVersion: appVersion)
            )
        }
        return links.map { link in
            let event = latest[CacheKey(link.device)]
            return DeviceLink(
                deviceID: DeviceID(link.device),
                userID: user,
                linkedAt: Timestamp(millisecondsSinceEpoch: link.linkedAt),
                lastSeen: event.map { Timestamp(millisecondsSinceEpoch: $0.ts) },
                device: event?.device ?? DeviceInfo()
            )
        }
    }

    public func linkedUser(of device: DeviceID) async throws -> UserID? {
        for try await user in try await query(
            "SELECT user_id FROM device_links WHERE device_id = \(device.rawValue)",
            logger: logger
        ).decode(String.self) {
            return UserID(user)
        }
        return nil
    }
}

/// Readiness and upkeep on PostgreSQL (`MaintainedStore`): the server vacuums and checkpoints by
/// itself, so a node's upkeep is only to be there until it is cancelled.
extension PostgresStore: MaintainedStore {
    public func checkReady() async throws {
        do {
            guard
                try await Self.first(within: .seconds(5), { try await self.client.query("SELECT 1").collect() })
                    != nil
            else {
                throw AisleError(code: .unavailable, message: "PostgreSQL did not answer within 5 s")
            }
        } catch let error as AisleError {
            throw error
        } catch {
            throw AisleError(code: .unavailable, message: "PostgreSQL: \(Self.describe(error))")
        }
    }

    public func runMaintenance() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
    }
}
