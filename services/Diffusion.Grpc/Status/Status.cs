namespace Diffusion.Grpc;

/// <summary>The outcome of a call: a status code and an optional human-readable detail.</summary>
public readonly record struct Status(StatusCode StatusCode, string Detail = "")
{
    public static readonly Status DefaultSuccess = new(StatusCode.OK);

    public override string ToString() => $"Status(StatusCode=\"{StatusCode}\", Detail=\"{Detail}\")";
}
