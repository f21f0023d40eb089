FROM maven:3.9-eclipse-temurin-21
WORKDIR /src
COPY . .
COPY build/settings.xml /root/.m2/settings.xml
RUN mvn -q package
