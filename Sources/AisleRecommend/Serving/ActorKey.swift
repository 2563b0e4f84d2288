public import AisleCore

/// The key a shopper's events are grouped under in training: a signed-in user, or an anonymous
/// device (whose events become the user's once the device identifies). Prefixed so a device id
/// can never collide with a user id.
public enum ActorKey {
    /// The key of a user.
    public static func user(_ id: UserID) -> String { "u:" + id.rawValue }
    /// The key of an anonymous device.
    public static func device(_ id: DeviceID) -> String { "d:" + id.rawValue }
}
