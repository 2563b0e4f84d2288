/// Assigns session ids to events that arrive without one: a new session starts after
/// `inactivityGap` without events from the same shopper (user, or device when anonymous).
///
/// The 30-minute default is the web-analytics convention (Google Analytics, Adobe). Ids are
/// derived from the shopper and the session's first timestamp, so re-importing the same log
/// assigns the same ids.
public struct SessionPolicy: Sendable, Equatable {
    public var inactivityGap: Duration

    public init(inactivityGap: Duration = .seconds(30 * 60)) {
        self.inactivityGap = inactivityGap
    }

    /// Gaps users may configure, in minutes: up to 7 days.
    public static let configurableMinutes = 1...10_080

    /// A policy from a configured gap in minutes; `field` names the setting in the error.
    public init(inactivityMinutes minutes: Int, field: String) throws(AisleError) {
        guard Self.configurableMinutes.contains(minutes) else {
            throw .invalid(field, "\(field) must be 1 to 10080 minutes (7 days), got \(minutes)")
        }
        self.init(inactivityGap: .seconds(minutes * 60))
    }

    /// The shopper's session as last seen.
    public struct State: Sendable, Equatable {
        public var sessionID: SessionID
        public var lastSeen: Timestamp

        public init(sessionID: SessionID, lastSeen: Timestamp) {
            self.sessionID = sessionID
            self.lastSeen = lastSeen
        }
    }

    /// The session for an event at `time` by `actor`, and the state to remember for the actor.
    /// An event within the gap of the last one joins its session. A late event from before the
    /// current session gets a session of its own but leaves the state alone, so one old event
    /// in a batch doesn't split the session that is going on.
    public func assign(after previous: State?, actor: String, at time: Timestamp) -> (session: SessionID, state: State)
    {
        guard let previous else {
            let started = State(sessionID: Self.sessionID(actor: actor, start: time), lastSeen: time)
            return (started.sessionID, started)
        }
        let sinceLast = time.milliseconds(since: previous.lastSeen)
        if abs(sinceLast) <= inactivityGap.milliseconds {
            return (previous.sessionID, State(sessionID: previous.sessionID, lastSeen: max(previous.lastSeen, time)))
        }
        if sinceLast < 0 {
            return (Self.sessionID(actor: actor, start: time), previous)
        }
        let started = State(sessionID: Self.sessionID(actor: actor, start: time), lastSeen: time)
        return (started.sessionID, started)
    }

    /// "s_" + FNV-1a of the actor (hex) + "_" + the start in epoch ms.
    public static func sessionID(actor: String, start: Timestamp) -> SessionID {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in actor.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0100_0000_01b3
        }
        return SessionID("s_\(String(hash, radix: 16))_\(start.millisecondsSinceEpoch)")
    }
}
