using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SelfService.Integration;

/// <summary>A public key as a JSON Web Key (RFC 7517), as published in the JWKS.</summary>
public sealed record EcPublicJwk(
    [property: JsonPropertyName("kty")] string Kty,
    [property: JsonPropertyName("crv")] string Crv,
    [property: JsonPropertyName("x")] string X,
    [property: JsonPropertyName("y")] string Y,
    [property: JsonPropertyName("kid")] string Kid,
    [property: JsonPropertyName("use")] string Use,
    [property: JsonPropertyName("alg")] string Alg);

/// <summary>
/// Compact JWS with ES256 (ECDSA P-256 + SHA-256, RFC 7518 §3.4), written on System.Security.Cryptography alone.
/// The signature is the raw 64-byte r‖s form that JWS requires (.NET's default IEEE P1363 format).
/// </summary>
public static class Jws
{
    public const string Algorithm = "ES256";

    public static ECDsa NewKey() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>The public JWK of <paramref name="key"/>, identified by its RFC 7638 thumbprint.</summary>
    public static EcPublicJwk PublicJwk(ECDsa key)
    {
        var p = key.ExportParameters(includePrivateParameters: false);
        var x = Base64Url.EncodeToString(p.Q.X);
        var y = Base64Url.EncodeToString(p.Q.Y);
        // RFC 7638: the required members in lexicographic order, no whitespace.
        var canonical = $$"""{"crv":"P-256","kty":"EC","x":"{{x}}","y":"{{y}}"}""";
        var kid = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
        return new EcPublicJwk("EC", "P-256", x, y, kid, "sig", Algorithm);
    }

    /// <summary>Signs <paramref name="payload"/> (serialized as JSON) with <paramref name="key"/>: header.payload.signature.</summary>
    public static string Sign<T>(T payload, ECDsa key, string kid, JsonSerializerOptions? options = null)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(new Header(Algorithm, "JWT", kid));
        var body = JsonSerializer.SerializeToUtf8Bytes(payload, options ?? JsonSerializerOptions.Web);
        var signingInput = Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(body);
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    private sealed record Header(
        [property: JsonPropertyName("alg")] string Alg,
        [property: JsonPropertyName("typ")] string Typ,
        [property: JsonPropertyName("kid")] string Kid);
}
