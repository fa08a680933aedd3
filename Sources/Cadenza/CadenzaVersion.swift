/// The Cadenza release this library belongs to; written into generated files and checkpoints.
public enum CadenzaVersion {
    public static let string = "0.1.0"
}
