import AisleCore
import Testing

@Suite struct SessionPolicyTests {
    let policy = SessionPolicy(inactivityGap: .seconds(30 * 60))
    let start = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)

    @Test("the first event starts a session")
    func firstEvent() {
        let state = policy.assign(after: nil, actor: "u:1", at: start).state
        #expect(state.lastSeen == start)
        #expect(state.sessionID == SessionPolicy.sessionID(actor: "u:1", start: start))
    }

    @Test("an event within 30 minutes joins the session")
    func withinGap() {
        let first = policy.assign(after: nil, actor: "u:1", at: start).state
        let second = policy.assign(after: first, actor: "u:1", at: start.adding(.seconds(29 * 60))).state
        #expect(second.sessionID == first.sessionID)
        #expect(second.lastSeen == start.adding(.seconds(29 * 60)))
    }

    @Test("an event after more than 30 minutes starts a new session")
    func pastGap() {
        let first = policy.assign(after: nil, actor: "u:1", at: start).state
        let second = policy.assign(after: first, actor: "u:1", at: start.adding(.seconds(30 * 60 + 1))).state
        #expect(second.sessionID != first.sessionID)
    }

    @Test("a late event within the gap joins without moving last-seen back")
    func lateEvent() {
        let first = policy.assign(after: nil, actor: "u:1", at: start).state
        let late = policy.assign(after: first, actor: "u:1", at: start.adding(.seconds(-60))).state
        #expect(late.sessionID == first.sessionID)
        #expect(late.lastSeen == start)
    }

    @Test("an old event gets its own session and leaves the current one going")
    func oldEvent() {
        let current = policy.assign(after: nil, actor: "u:1", at: start).state
        let old = policy.assign(after: current, actor: "u:1", at: start.adding(.seconds(-3 * 3600)))
        #expect(old.session != current.sessionID)
        #expect(old.state == current)
        let next = policy.assign(after: old.state, actor: "u:1", at: start.adding(.seconds(60)))
        #expect(next.session == current.sessionID)
    }

    @Test("different shoppers get different session ids at the same instant")
    func perActor() {
        #expect(
            SessionPolicy.sessionID(actor: "u:1", start: start) != SessionPolicy.sessionID(actor: "u:2", start: start)
        )
    }
}
