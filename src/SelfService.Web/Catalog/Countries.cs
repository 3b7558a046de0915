using System.Collections.Frozen;

namespace SelfService.Catalog;

/// <summary>
/// The officially assigned ISO 3166-1 alpha-2 country codes (249), with an English short name and, where a sentence
/// wants an article or a shorter form, how the country reads after "in" ("in the UK", "in the Netherlands").
/// Data, not code: kept here so rules are validated without a network or a package.
/// </summary>
public static class Countries
{
    private const string List = """
        AD Andorra
        AE United Arab Emirates|the UAE
        AF Afghanistan
        AG Antigua and Barbuda
        AI Anguilla
        AL Albania
        AM Armenia
        AO Angola
        AQ Antarctica
        AR Argentina
        AS American Samoa
        AT Austria
        AU Australia
        AW Aruba
        AX Åland Islands
        AZ Azerbaijan
        BA Bosnia and Herzegovina
        BB Barbados
        BD Bangladesh
        BE Belgium
        BF Burkina Faso
        BG Bulgaria
        BH Bahrain
        BI Burundi
        BJ Benin
        BL Saint Barthélemy
        BM Bermuda
        BN Brunei
        BO Bolivia
        BQ Bonaire, Sint Eustatius and Saba
        BR Brazil
        BS Bahamas|the Bahamas
        BT Bhutan
        BV Bouvet Island
        BW Botswana
        BY Belarus
        BZ Belize
        CA Canada
        CC Cocos (Keeling) Islands|the Cocos (Keeling) Islands
        CD Democratic Republic of the Congo|the Democratic Republic of the Congo
        CF Central African Republic|the Central African Republic
        CG Republic of the Congo|the Republic of the Congo
        CH Switzerland
        CI Côte d'Ivoire
        CK Cook Islands|the Cook Islands
        CL Chile
        CM Cameroon
        CN China
        CO Colombia
        CR Costa Rica
        CU Cuba
        CV Cabo Verde
        CW Curaçao
        CX Christmas Island
        CY Cyprus
        CZ Czechia
        DE Germany
        DJ Djibouti
        DK Denmark
        DM Dominica
        DO Dominican Republic|the Dominican Republic
        DZ Algeria
        EC Ecuador
        EE Estonia
        EG Egypt
        EH Western Sahara
        ER Eritrea
        ES Spain
        ET Ethiopia
        FI Finland
        FJ Fiji
        FK Falkland Islands|the Falkland Islands
        FM Micronesia
        FO Faroe Islands|the Faroe Islands
        FR France
        GA Gabon
        GB United Kingdom|the UK
        GD Grenada
        GE Georgia
        GF French Guiana
        GG Guernsey
        GH Ghana
        GI Gibraltar
        GL Greenland
        GM Gambia|the Gambia
        GN Guinea
        GP Guadeloupe
        GQ Equatorial Guinea
        GR Greece
        GS South Georgia and the South Sandwich Islands
        GT Guatemala
        GU Guam
        GW Guinea-Bissau
        GY Guyana
        HK Hong Kong
        HM Heard Island and McDonald Islands
        HN Honduras
        HR Croatia
        HT Haiti
        HU Hungary
        ID Indonesia
        IE Ireland
        IL Israel
        IM Isle of Man|the Isle of Man
        IN India
        IO British Indian Ocean Territory|the British Indian Ocean Territory
        IQ Iraq
        IR Iran
        IS Iceland
        IT Italy
        JE Jersey
        JM Jamaica
        JO Jordan
        JP Japan
        KE Kenya
        KG Kyrgyzstan
        KH Cambodia
        KI Kiribati
        KM Comoros|the Comoros
        KN Saint Kitts and Nevis
        KP North Korea
        KR South Korea
        KW Kuwait
        KY Cayman Islands|the Cayman Islands
        KZ Kazakhstan
        LA Laos
        LB Lebanon
        LC Saint Lucia
        LI Liechtenstein
        LK Sri Lanka
        LR Liberia
        LS Lesotho
        LT Lithuania
        LU Luxembourg
        LV Latvia
        LY Libya
        MA Morocco
        MC Monaco
        MD Moldova
        ME Montenegro
        MF Saint Martin
        MG Madagascar
        MH Marshall Islands|the Marshall Islands
        MK North Macedonia
        ML Mali
        MM Myanmar
        MN Mongolia
        MO Macao
        MP Northern Mariana Islands|the Northern Mariana Islands
        MQ Martinique
        MR Mauritania
        MS Montserrat
        MT Malta
        MU Mauritius
        MV Maldives|the Maldives
        MW Malawi
        MX Mexico
        MY Malaysia
        MZ Mozambique
        NA Namibia
        NC New Caledonia
        NE Niger
        NF Norfolk Island
        NG Nigeria
        NI Nicaragua
        NL Netherlands|the Netherlands
        NO Norway
        NP Nepal
        NR Nauru
        NU Niue
        NZ New Zealand
        OM Oman
        PA Panama
        PE Peru
        PF French Polynesia
        PG Papua New Guinea
        PH Philippines|the Philippines
        PK Pakistan
        PL Poland
        PM Saint Pierre and Miquelon
        PN Pitcairn
        PR Puerto Rico
        PS Palestine
        PT Portugal
        PW Palau
        PY Paraguay
        QA Qatar
        RE Réunion
        RO Romania
        RS Serbia
        RU Russia
        RW Rwanda
        SA Saudi Arabia
        SB Solomon Islands|the Solomon Islands
        SC Seychelles|the Seychelles
        SD Sudan
        SE Sweden
        SG Singapore
        SH Saint Helena, Ascension and Tristan da Cunha
        SI Slovenia
        SJ Svalbard and Jan Mayen
        SK Slovakia
        SL Sierra Leone
        SM San Marino
        SN Senegal
        SO Somalia
        SR Suriname
        SS South Sudan
        ST São Tomé and Príncipe
        SV El Salvador
        SX Sint Maarten
        SY Syria
        SZ Eswatini
        TC Turks and Caicos Islands|the Turks and Caicos Islands
        TD Chad
        TF French Southern Territories|the French Southern Territories
        TG Togo
        TH Thailand
        TJ Tajikistan
        TK Tokelau
        TL Timor-Leste
        TM Turkmenistan
        TN Tunisia
        TO Tonga
        TR Türkiye
        TT Trinidad and Tobago
        TV Tuvalu
        TW Taiwan
        TZ Tanzania
        UA Ukraine
        UG Uganda
        UM United States Minor Outlying Islands|the United States Minor Outlying Islands
        US United States|the US
        UY Uruguay
        UZ Uzbekistan
        VA Vatican City
        VC Saint Vincent and the Grenadines
        VE Venezuela
        VG British Virgin Islands|the British Virgin Islands
        VI U.S. Virgin Islands|the U.S. Virgin Islands
        VN Vietnam
        VU Vanuatu
        WF Wallis and Futuna
        WS Samoa
        YE Yemen
        YT Mayotte
        ZA South Africa
        ZM Zambia
        ZW Zimbabwe
        """;

    /// <summary>Codes people often write that ISO reserves for something else, with the code they mean.</summary>
    private static readonly FrozenDictionary<string, string> Mistaken = new Dictionary<string, string>
    {
        ["UK"] = "GB", ["EL"] = "GR",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, (string Name, string InSentence)> ByCode = List
        .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(line =>
        {
            var parts = line[3..].Split('|');
            return (Code: line[..2], Name: parts[0], InSentence: parts.Length > 1 ? parts[1] : parts[0]);
        })
        .ToFrozenDictionary(c => c.Code, c => (c.Name, c.InSentence), StringComparer.Ordinal);

    public static IEnumerable<string> Codes => ByCode.Keys.Order(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="code"/> is an assigned alpha-2 code, exactly as written (upper case).</summary>
    public static bool IsAssigned(string code) => ByCode.ContainsKey(code);

    public static string Name(string code) => ByCode.TryGetValue(code, out var c) ? c.Name : code;

    /// <summary>How the country reads after "in": "the UK", "Germany".</summary>
    public static string InSentence(string code) => ByCode.TryGetValue(code, out var c) ? c.InSentence : code;

    /// <summary>The upper-cased assigned code, or null with why not (naming the code meant for "UK").</summary>
    public static string? Normalize(string? input, out string? error)
    {
        var code = input?.Trim().ToUpperInvariant() ?? "";
        if (code.Length != 2 || !code.All(char.IsAsciiLetterUpper))
        {
            error = $"'{input}' is not a country code: use an ISO 3166-1 alpha-2 code such as DE or US.";
            return null;
        }
        if (Mistaken.TryGetValue(code, out var meant))
        {
            error = $"'{input}' is not an ISO 3166-1 country code; {Name(meant)} is {meant}.";
            return null;
        }
        if (!IsAssigned(code))
        {
            error = $"'{input}' is not an assigned ISO 3166-1 alpha-2 country code.";
            return null;
        }
        error = null;
        return code;
    }
}
