import MusicScore

/// Instrument names as people type them ("piano", "bass", "drums", "Alto Sax", "33"), for the
/// CLI's `--instruments` and the API's `instruments`.
public enum InstrumentNames {
    /// Short names for the families people ask for most; everything else is a General MIDI name.
    static let aliases = ["drums": 128, "drum": 128, "percussion": 128, "piano": 0, "bass": 33, "guitar": 25, "strings": 48,
                          "organ": 19, "violin": 40, "flute": 73, "sax": 65, "trumpet": 56, "choir": 52, "synth": 80, "pad": 88]

    /// The program for one name or number: 0...127 for General MIDI programs, 128 for drums.
    public static func program(_ text: String, field: String = "instruments") throws(CadenzaError) -> Int {
        let name = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let number = Int(name) {
            guard (0...128).contains(number) else {
                throw .invalidSetting(field: field, problem: "\(number) is outside 0...128", hint: "General MIDI programs are 0–127; 128 means drums")
            }
            return number
        }
        if let program = aliases[name] { return program }
        if let program = GeneralMIDI.program(named: name) { return Int(program) }
        throw .invalidSetting(field: field, problem: "\"\(name)\" is not a General MIDI program number or name",
                              hint: "use a number 0–127, 'drums', or a name such as piano, bass, guitar, strings")
    }

    /// "piano,bass,33,drums" → [0, 33, 33, 128].
    public static func programs(_ list: String, field: String = "instruments") throws(CadenzaError) -> [Int] {
        var programs: [Int] = []
        for part in list.split(separator: ",") { programs.append(try program(String(part), field: field)) }
        return programs
    }
}
