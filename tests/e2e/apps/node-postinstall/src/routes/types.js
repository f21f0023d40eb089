const mime = require("mime-types");

module.exports = (req, res) => res.json({ type: mime.lookup(String(req.query.file || "")) || null });
