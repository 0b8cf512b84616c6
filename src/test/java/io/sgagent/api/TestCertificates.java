package io.sgagent.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away PKI made inside the test (BouncyCastle, no keytool, no files from the repository): a CA, leaf
 * certificates it signs for the server ({@code localhost}, {@code 127.0.0.1}) and for clients, PEM files as
 * Spring Boot's SSL bundles read them, and client {@link SSLContext}s.
 */
final class TestCertificates {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A key pair and its certificate, signed by {@code issuer} (or self-signed when it is a CA). */
    record Issued(KeyPair keys, X509Certificate certificate, Issued issuer) {
        /** Writes {@code <name>.crt} (certificate) and {@code <name>.key} (PKCS#8) into {@code dir}. */
        Path writePem(Path dir, String name) {
            try {
                Files.writeString(dir.resolve(name + ".crt"), pem("CERTIFICATE", certificate.getEncoded()),
                        StandardCharsets.US_ASCII);
                Files.writeString(dir.resolve(name + ".key"), pem("PRIVATE KEY", keys.getPrivate().getEncoded()),
                        StandardCharsets.US_ASCII);
                return dir.resolve(name + ".crt");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A client TLS context that presents this certificate (if {@code present}) and trusts {@code ca}. */
        SSLContext clientContext(Issued ca, boolean present) {
            try {
                KeyStore keyStore = KeyStore.getInstance("PKCS12");
                keyStore.load(null, null);
                if (present) {
                    keyStore.setKeyEntry("client", keys.getPrivate(), new char[0],
                            new Certificate[] {certificate, issuer.certificate});
                }
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keyStore, new char[0]);
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                trust.setCertificateEntry("ca", ca.certificate);
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), RANDOM);
                return context;
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private TestCertificates() {
    }

    static Issued ca(String name) {
        KeyPair keys = keyPair();
        X500Name subject = new X500Name("CN=" + name);
        return new Issued(keys, sign(subject, keys, subject, keys, true, null), null);
    }

    static Issued server(Issued ca) {
        GeneralNames names;
        try {
            names = new GeneralNames(new GeneralName[] {new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, InetAddress.getByName("127.0.0.1").getHostAddress())});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return leaf(ca, "CN=sg-agent", KeyPurposeId.id_kp_serverAuth, names);
    }

    static Issued client(Issued ca, String name) {
        return leaf(ca, "CN=" + name, KeyPurposeId.id_kp_clientAuth, null);
    }

    private static Issued leaf(Issued ca, String subject, KeyPurposeId purpose, GeneralNames names) {
        KeyPair keys = keyPair();
        X509Certificate certificate = sign(new X500Name(subject), keys,
                X500Name.getInstance(ca.certificate.getSubjectX500Principal().getEncoded()), ca.keys, false,
                builder -> {
                    builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
                    if (names != null) {
                        builder.addExtension(Extension.subjectAlternativeName, false, names);
                    }
                });
        return new Issued(keys, certificate, ca);
    }

    private interface Extensions {
        void add(X509v3CertificateBuilder builder) throws IOException;
    }

    private static X509Certificate sign(X500Name subject, KeyPair subjectKeys, X500Name issuer, KeyPair issuerKeys,
                                        boolean ca, Extensions extensions) {
        try {
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                    new BigInteger(64, RANDOM).abs().add(BigInteger.ONE), Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(Duration.ofDays(1))), subject, subjectKeys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, ca
                    ? new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)
                    : new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            if (extensions != null) {
                extensions.add(builder);
            }
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(256, RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
