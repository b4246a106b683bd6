@testable import AccordStore
import Testing

/// The refusal grounds stored with each timing row are read back as json_each would read them:
/// the plain form the store writes is split directly, anything else goes through the JSON decoder.
@Suite struct StatsGroundsTests {
    @Test func groundsAreReadAsAJSONArray() {
        #expect(SQLiteStore.groundList("[\"dual_criminality\",\"data_unavailable\"]") == ["dual_criminality", "data_unavailable"])
        #expect(SQLiteStore.groundList("[]") == [])
        #expect(SQLiteStore.groundList("[ \"spaced\" , \"out\" ]") == ["spaced", "out"])
        #expect(SQLiteStore.groundList("[\"quote\\\"d\",\"e\\u0301\"]") == ["quote\"d", "e\u{301}"])
        #expect(SQLiteStore.groundList("not json").isEmpty)
        #expect(SQLiteStore.groundList("[1]").isEmpty)
    }
}
