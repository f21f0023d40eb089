document.title = "onerun";
