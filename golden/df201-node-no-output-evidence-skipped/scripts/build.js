// writes public/
