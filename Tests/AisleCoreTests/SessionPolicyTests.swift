import AisleCore
import Testing

@Suite struct SessionPolicyTests {
    let policy = SessionPolicy(inactivityGap: .seconds(30 * 60))
    let start = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)

    @Test("the first event starts a session")
    func firstEvent() {
        let state = policy.next(after: nil, actor: "u:1", at: start)
        #expect(state.lastSeen == start)
        #expect(state.sessionID == SessionPolicy.sessionID(actor: "u:1", start: start))
    }

    @Test("an event within 30 minutes joins the session")
    func withinGap() {
        let first = policy.next(after: nil, actor: "u:1", at: start)
        let second = policy.next(after: first, actor: "u:1", at: start.adding(.seconds(29 * 60)))
        #expect(second.sessionID == first.sessionID)
        #expect(second.lastSeen == start.adding(.seconds(29 * 60)))
    }

    @Test("an event after more than 30 minutes starts a new session")
    func pastGap() {
        let first = policy.next(after: nil, actor: "u:1", at: start)
        let second = policy.next(after: first, actor: "u:1", at: start.adding(.seconds(30 * 60 + 1)))
        #expect(second.sessionID != first.sessionID)
    }

    @Test("a late event within the gap joins without moving last-seen back")
    func lateEvent() {
        let first = policy.next(after: nil, actor: "u:1", at: start)
        let late = policy.next(after: first, actor: "u:1", at: start.adding(.seconds(-60)))
        #expect(late.sessionID == first.sessionID)
        #expect(late.lastSeen == start)
    }

    @Test("different shoppers get different session ids at the same instant")
    func perActor() {
        #expect(SessionPolicy.sessionID(actor: "u:1", start: start) != SessionPolicy.sessionID(actor: "u:2", start: start))
    }
}
