public import AisleCore

/// The key a shopper's events are grouped under in training: a signed-in user, or an anonymous
/// device (whose events become the user's once the device identifies). Prefixed so a device id
/// can never collide with a user id.
public enum ActorKey {
    /// The key of a user.
    public static func user(_ id: UserID) -> String { "u:" + id.rawValue }
    /// The key of an anonymous device.
    public static func device(_ id: DeviceID) -> String { "d:" + id.rawValue }

    /// The owner key of a stored event: its user, else its device; nil when it has neither.
    public static func owner(of event: Event) -> String? {
        if let userID = event.userID { return Self.user(userID) }
        if let deviceID = event.deviceID { return Self.device(deviceID) }
        return nil
    }
}
