"""The help desk of "Pedalo", a made-up city bike-sharing service: the source of the bundled examples.

Written for SBERT Studio (not copied from any dataset). Each intent is one thing a rider wants;
its questions say it in different words, and its answer is what the help desk replies. Intents
of one topic are near misses of each other ("refund a ride" vs "charged twice"), which is where
a general-purpose embedding model is weakest and fine-tuning shows.
"""

from __future__ import annotations

# topic -> intent -> (questions, answer)
INTENTS: dict[str, dict[str, tuple[list[str], str]]] = {
    "billing": {
        "charged_twice": (
            [
                "I was charged twice for the same ride",
                "Why do I see two payments for one trip?",
                "My card got billed two times this morning",
                "There is a duplicate charge on my statement from Pedalo",
                "You took the money twice for a single journey",
                "Double payment showing for yesterday's ride",
                "Bank app shows the fare deducted twice",
                "Same trip, two charges, please fix",
            ],
            "A second charge for one ride is usually a card pre-authorisation that your bank releases within "
            "5 working days. If it is still there after that, send us both transaction references from Account > "
            "Payments and we refund the duplicate.",
        ),
        "refund_ride": (
            [
                "Can I get my money back for a ride that went wrong?",
                "The bike broke halfway, I want a refund",
                "How do I ask for a refund on a trip?",
                "Please reimburse my last journey, the brakes failed",
                "I paid for a ride I couldn't finish",
                "Refund request for a faulty bike trip",
                "Is it possible to be refunded for yesterday's ride?",
                "The ride was cut short by a flat tyre, can I get reimbursed?",
            ],
            "Open the trip under Rides > History, tap Report a problem and choose Refund. Rides ended because of a "
            "fault are refunded in full to your original payment method within 3 to 5 days.",
        ),
        "update_card": (
            [
                "How do I change the card I pay with?",
                "My credit card expired, where do I add the new one?",
                "I want to switch to a different payment method",
                "Update billing card details",
                "Can I pay with Apple Pay instead of my debit card?",
                "Remove my old card from the account",
                "Where can I edit my payment information?",
                "New bank card, how do I put it in the app?",
            ],
            "Go to Account > Payment methods, tap Add card (or Apple Pay / Google Pay), then set it as default. "
            "You can delete the old card once the new one is the default.",
        ),
    },
    "membership": {
        "cancel_membership": (
            [
                "How do I cancel my annual pass?",
                "I want to stop my monthly subscription",
                "Cancel membership please",
                "How can I end my Pedalo plan?",
                "Stop renewing my pass automatically",
                "I'm moving away and need to quit the subscription",
                "Where is the button to unsubscribe from the monthly plan?",
                "Terminate my membership at the end of this month",
            ],
            "Go to Account > Membership > Manage plan and tap Cancel renewal. Your pass stays valid until the end "
            "of the period you paid for; nothing more is charged.",
        ),
        "pause_membership": (
            [
                "Can I freeze my pass while I'm on holiday?",
                "Pause my subscription for two months",
                "I broke my leg, can I put the membership on hold?",
                "Is there a way to suspend the monthly plan temporarily?",
                "Hold my annual pass over the winter",
                "I'll be abroad for a while, can I stop paying without cancelling?",
                "Temporarily deactivate my membership",
                "Freeze the plan until I'm back in town",
            ],
            "Monthly plans can be paused for 1 to 3 months under Account > Membership > Pause. Annual passes "
            "cannot be paused, but we extend them for medical reasons: write to us with a note from your doctor.",
        ),
        "student_discount": (
            [
                "Do you have a student discount?",
                "Is there a cheaper plan for university students?",
                "How do I get the student price?",
                "I'm at college, can I pay less for the pass?",
                "Student membership rate",
                "Do you offer reduced fares for students?",
                "Where do I upload my student card for the discount?",
                "Discount for people in education?",
            ],
            "Students pay half price on monthly and annual passes. Verify your status under Account > Membership > "
            "Student price with your university email address; the discount starts with your next payment.",
        ),
    },
    "unlocking": {
        "bike_wont_unlock": (
            [
                "The bike won't unlock after I scan it",
                "I scanned the QR code but the lock stays closed",
                "Lock doesn't open even though the app says unlocked",
                "Can't release the bike from the dock",
                "Scanned three bikes, none of them unlock",
                "The app spins forever and the bike stays locked",
                "Unlock failed, what do I do?",
                "The bike is stuck in the station after scanning",
            ],
            "Pull the bike firmly backwards within 10 seconds of the green light. If the light stays red, try "
            "another bike; failed unlocks are never charged. Report the bike number so we can check the dock.",
        ),
        "qr_code_unreadable": (
            [
                "The QR code on the bike is scratched and won't scan",
                "My camera can't read the code on the handlebar",
                "Sticker with the code is missing from the bike",
                "How do I start a ride if the QR code is damaged?",
                "Scanner doesn't recognise the bike code",
                "The code is too dirty to scan",
                "Can I type the bike number instead of scanning?",
                "QR code torn off, how to rent this bike?",
            ],
            "Tap Enter code below the scanner and type the 6-digit number printed on the frame under the saddle. "
            "Please also report the damaged code so we can replace the sticker.",
        ),
        "app_says_bike_unavailable": (
            [
                "The app says this bike is unavailable but it's right in front of me",
                "Why is the bike marked as out of service?",
                "Bike shows as reserved by someone else",
                "Error: bike not available, but the dock is full",
                "All the bikes at my station say unavailable",
                "Why can't I rent the bikes at this station?",
                "The map shows bikes but I can't book any",
                "Bike greyed out in the app",
            ],
            "A bike is marked unavailable when it is reserved, has a reported fault or needs charging. Pick another "
            "bike at the station; if all of them are unavailable the station may be under maintenance.",
        ),
    },
    "ending_ride": {
        "cant_end_ride": (
            [
                "I returned the bike but the ride is still running",
                "The trip didn't end after I docked the bike",
                "My ride won't stop, it keeps counting minutes",
                "Docked the bike and the app still says in use",
                "How do I end a ride that is stuck?",
                "Timer still going although the bike is back",
                "The station didn't register my return",
                "I'm being charged for a ride I already finished",
            ],
            "Push the bike into the dock until the light turns green and you hear a beep. If the ride still runs, "
            "tap End ride > Bike is docked and take a photo of the bike in the dock; we correct the time.",
        ),
        "station_full": (
            [
                "The station is full, where do I leave the bike?",
                "No free docks at my destination",
                "Every slot is taken, what now?",
                "Can't return the bike because the dock station has no space",
                "All docks occupied at the end of my trip",
                "Where can I park if the station is full?",
                "No empty spaces to return my bike",
                "The return station is completely packed",
            ],
            "Tap Station full in the app: you get 15 extra minutes free to reach the nearest station with space, "
            "shown on the map. Do not leave the bike outside a dock, or the ride keeps running.",
        ),
        "ride_time_limit": (
            [
                "How long can I keep a bike?",
                "Is there a maximum ride duration?",
                "What happens if I ride for more than an hour?",
                "Time limit on a single trip",
                "Do I pay extra after 45 minutes?",
                "Can I keep the bike all day?",
                "How many minutes are included in my pass?",
                "Longest ride allowed with a membership",
            ],
            "Members ride 45 minutes per trip at no extra cost, then pay 1 euro per extra 15 minutes. Rides longer "
            "than 24 hours are treated as a lost bike.",
        ),
    },
    "bike_problems": {
        "flat_tyre": (
            [
                "My bike has a flat tyre",
                "The front wheel is completely deflated",
                "Puncture in the middle of my ride",
                "The tyre went soft, what should I do?",
                "Back wheel has no air",
                "Got a puncture on the way to work",
                "Bike tyre is flat at the station",
                "Rear tyre keeps losing air",
            ],
            "Stop riding and return the bike to the nearest station, then tap Report a problem > Tyre. The minutes "
            "after your report are free, and you can take another bike straight away.",
        ),
        "brakes_not_working": (
            [
                "The brakes don't work properly",
                "Brake lever goes all the way to the handle",
                "Bike doesn't stop when I brake",
                "The rear brake is broken",
                "Brakes squeal and barely slow me down",
                "Is it safe to ride with weak brakes?",
                "Front brake feels loose",
                "I nearly crashed because the brakes failed",
            ],
            "Please stop riding at once, walk the bike to the nearest station and report it under Report a problem > "
            "Brakes. The bike is blocked for other riders until a mechanic has checked it, and the ride is refunded.",
        ),
        "ebike_battery": (
            [
                "The electric bike battery died mid-ride",
                "E-bike has no assist anymore",
                "The motor stopped helping halfway up the hill",
                "Battery indicator shows empty on the e-bike",
                "How far does an electric bike go on one charge?",
                "My e-bike ran out of power",
                "Pedal assist cut out suddenly",
                "Electric bike not charged at the station",
            ],
            "E-bikes run about 50 km on a full battery, and the app shows the charge before you unlock. If the "
            "battery dies during a ride, return the bike to any station: the rest of the ride is charged at the "
            "classic-bike price.",
        ),
    },
    "account": {
        "reset_password": (
            [
                "I forgot my password",
                "How do I reset my login password?",
                "Can't sign in, the password is wrong",
                "Password reset link never arrived",
                "Locked out of my account, forgot the password",
                "Change my password please",
                "The reset email isn't coming through",
                "How do I recover my account if I don't remember the password?",
            ],
            "Tap Forgot password on the sign-in screen and enter your email; the link is valid for 1 hour. If no "
            "email arrives within 5 minutes, check your spam folder or sign in with your phone number instead.",
        ),
        "delete_account": (
            [
                "Delete my account and all my data",
                "How do I close my Pedalo account for good?",
                "I want you to erase my personal information",
                "Remove my profile permanently",
                "GDPR request to delete my data",
                "Please get rid of my account",
                "How can I deactivate my account completely?",
                "Wipe my account and ride history",
            ],
            "Go to Account > Privacy > Delete account. We erase your profile and ride history within 30 days; "
            "invoices are kept for 10 years because the law requires it. Any running pass is cancelled first.",
        ),
        "change_email": (
            [
                "How do I change the email on my account?",
                "Update my email address",
                "I have a new email, how do I switch it?",
                "Wrong email address in my profile",
                "Receipts go to my old email, change it",
                "Edit the contact email for my account",
                "Can I use a different email to log in?",
                "Move my account to another email address",
            ],
            "Go to Account > Profile > Email, enter the new address and confirm it with the code we send there. "
            "Receipts and sign-in use the new address from then on.",
        ),
    },
    "safety": {
        "accident_report": (
            [
                "I had an accident on a Pedalo bike",
                "I fell off the bike and hurt my arm",
                "A car hit me while I was riding your bike",
                "How do I report a crash?",
                "Collision with a pedestrian during my ride",
                "I crashed, is there insurance?",
                "Report an injury that happened on a rental bike",
                "Someone opened a car door and I fell",
            ],
            "If anyone is hurt, call 112 first. Then report it under Report a problem > Accident within 48 hours; "
            "every ride includes accident insurance and our team calls you back within one working day.",
        ),
        "helmet": (
            [
                "Do I have to wear a helmet?",
                "Are helmets provided with the bikes?",
                "Is a helmet required by law for e-bikes?",
                "Can I borrow a helmet at the station?",
                "Helmet rules for riding",
                "Where do I get a helmet for the ride?",
                "Do you rent helmets?",
                "Is riding without a helmet allowed?",
            ],
            "Helmets are not required by law for our bikes, but we recommend one. Members get 30% off a folding "
            "helmet in the app shop; stations do not lend helmets for hygiene reasons.",
        ),
        "lights_at_night": (
            [
                "Do the bikes have lights for riding at night?",
                "The front light isn't working",
                "Is it safe to ride in the dark?",
                "How do I turn on the bike lights?",
                "Rear light broken on my bike",
                "Bike has no light, can I still ride at night?",
                "Lights don't come on when I pedal",
                "Night riding with a rental bike",
            ],
            "All bikes have dynamo lights that switch on by themselves when you pedal in the dark. If a light does "
            "not work, pick another bike and report it under Report a problem > Lights.",
        ),
    },
    "lost_and_found": {
        "left_item_in_basket": (
            [
                "I left my bag in the bike basket",
                "Forgot my phone on the bike",
                "Did anyone hand in a wallet left on a bike?",
                "Lost my keys in the basket of a rental bike",
                "My umbrella is still in the bike I returned",
                "Left something behind on the bike",
                "Where do lost items from bikes go?",
                "I think I dropped my laptop bag in the basket",
            ],
            "Tell us the bike number from Rides > History under Report a problem > Lost item. Items found by our team "
            "are kept at the depot for 30 days; we message you when yours turns up.",
        ),
        "bike_stolen": (
            [
                "The bike was stolen while I was in a shop",
                "Someone took my rental bike",
                "Bike gone when I came back",
                "I locked the bike and now it's missing",
                "My rented bike got stolen, am I liable?",
                "Report a stolen Pedalo bike",
                "Thief took the bike during my ride",
                "Bike disappeared while parked",
            ],
            "Report it to the police and send us the report number under Report a problem > Theft within 24 hours. "
            "If the bike was locked with its built-in lock, you pay nothing; otherwise a 150 euro fee may apply.",
        ),
        "found_abandoned_bike": (
            [
                "There is a Pedalo bike dumped in the canal",
                "I found one of your bikes left in a park",
                "Abandoned rental bike on my street for days",
                "A bike is lying outside a station",
                "Someone left a Pedalo bike in front of my garage",
                "Report a bike that's been dumped",
                "Your bike is blocking the pavement",
                "Found a damaged bike in the woods",
            ],
            "Thank you! Send its location and the 6-digit bike number under Help > Report a bike, or call us. Our "
            "team collects abandoned bikes within one working day.",
        ),
    },
    "business": {
        "corporate_plan": (
            [
                "Do you offer plans for companies?",
                "How can my employer pay for our passes?",
                "Corporate membership for 50 staff",
                "Business accounts for employees",
                "Can our company sponsor bike passes?",
                "Team subscription for the office",
                "Pedalo for businesses, how does it work?",
                "Bulk passes for my employees",
            ],
            "Pedalo for Business gives each employee a pass billed monthly to the company, with one invoice. Write "
            "to business@pedalo.example with your company name and number of riders for a quote.",
        ),
        "invoice_request": (
            [
                "I need an invoice for my rides",
                "Can I get a VAT receipt?",
                "How do I download invoices for expenses?",
                "Receipt with my company name on it",
                "Where are my monthly invoices?",
                "Invoice for the annual pass please",
                "I need proof of payment for my employer",
                "Export receipts for my accountant",
            ],
            "Invoices are under Account > Payments > Invoices as PDF, one per payment. To put a company name and VAT "
            "number on them, add them under Account > Billing details before the payment.",
        ),
        "event_bikes": (
            [
                "Can we rent 30 bikes for a company event?",
                "Group booking for a team outing",
                "Reserve several bikes for a tour with friends",
                "Bikes for a wedding party",
                "Do you do group rentals?",
                "I want to book bikes for a school trip",
                "Hire many bikes at once for an event",
                "Reserve bikes for a conference",
            ],
            "Group rentals of 10 to 100 bikes are booked at least a week ahead at groups@pedalo.example. We deliver "
            "the bikes to your venue and collect them afterwards.",
        ),
    },
    "app": {
        "app_crashes": (
            [
                "The app keeps crashing when I open it",
                "Pedalo app closes by itself",
                "App freezes on the loading screen",
                "The app crashes every time I try to scan",
                "Application won't start on my phone",
                "App shuts down right after login",
                "The app is stuck and then quits",
                "Constant crashes after the latest update",
            ],
            "Update the app to the latest version and restart your phone. If it still crashes, reinstall the app; "
            "your account and pass are kept. Send us your phone model if the problem stays.",
        ),
        "location_wrong": (
            [
                "The map shows me in the wrong place",
                "GPS location is off in the app",
                "App can't find my position",
                "My location is wrong so I can't see nearby stations",
                "The blue dot is far away from where I am",
                "Map doesn't update my position",
                "Location services not working in Pedalo",
                "The app thinks I'm in another street",
            ],
            "Allow Pedalo to use your precise location in your phone's settings and switch on Wi-Fi, which helps "
            "positioning in the city centre. Stations can also be found by searching their name.",
        ),
        "notifications": (
            [
                "How do I turn off notifications?",
                "Too many push messages from the app",
                "Stop the promotional alerts",
                "I don't get a notification when my ride ends",
                "Mute Pedalo notifications",
                "Can I choose which alerts I receive?",
                "Notifications stopped working",
                "No push message for my receipt",
            ],
            "Choose which messages you get under Account > Notifications: ride receipts, reminders and offers can "
            "each be switched off. If nothing arrives, allow notifications for Pedalo in your phone's settings.",
        ),
    },
}
