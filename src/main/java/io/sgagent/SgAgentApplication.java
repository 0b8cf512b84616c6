package io.sgagent;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class SgAgentApplication {
    public static void main(String[] args) {
        SpringApplication.run(SgAgentApplication.class, args);
    }
}
