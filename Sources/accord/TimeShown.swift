import AccordConsole

/// A time from the API as the officer reads it (see `TimeDisplay`).
func shown(_ rfc3339: String?) -> String {
    guard let rfc3339 else { return "" }
    return TimeDisplay.current.withLock { $0 }.format(rfc3339)
}
