require("./dist/server.js");
