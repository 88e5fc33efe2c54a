"""Name data for Baltimore youth born 2002-2020, per race/ethnicity group.

Each list is hand-curated and ordered from most to least common; ``ranked`` turns the order
into Zipf-like weights. The lists are a plausible shape, not census counts. The other ways
one child's name is written (nicknames, spellings, romanisations) are in ``name_variants``.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass

__all__ = [
    "BLACK", "WHITE", "HISPANIC", "ASIAN", "MENA", "AIAN", "NHPI", "MULTIRACIAL", "GROUPS",
    "WeightedNames", "GroupNames", "NAMES_BY_GROUP", "MULTIRACIAL_PARENT_GROUPS",
    "COMMON_MIDDLE_NAMES", "SUFFIXES", "ranked", "VIETNAMESE_SURNAMES", "VIETNAMESE_MIDDLE_NAMES",
]

BLACK = "Black or African American"
WHITE = "White"
HISPANIC = "Hispanic or Latino"
ASIAN = "Asian"
MENA = "Middle Eastern or North African"
AIAN = "American Indian or Alaska Native"
NHPI = "Native Hawaiian or Pacific Islander"
MULTIRACIAL = "Multiracial"
GROUPS: tuple[str, ...] = (BLACK, WHITE, HISPANIC, ASIAN, MENA, AIAN, NHPI, MULTIRACIAL)


@dataclass(frozen=True)
class WeightedNames:
    """Names with cumulative weights, for fast weighted draws."""

    names: tuple[str, ...]
    cumulative_weights: tuple[float, ...]

    def draw(self, rng: random.Random) -> str:
        """Given a random generator, returns one name drawn by weight."""
        point = rng.random() * self.cumulative_weights[-1]
        return self.names[bisect.bisect_right(self.cumulative_weights, point)]


def ranked(text: str, offset: float = 10.0) -> WeightedNames:
    """Given comma-separated names, most common first, returns them with 1/(rank+offset) weights."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    total, cumulative = 0.0, []
    for rank, _ in enumerate(names, start=1):
        total += 1.0 / (rank + offset)
        cumulative.append(total)
    return WeightedNames(names, tuple(cumulative))


@dataclass(frozen=True)
class GroupNames:
    """Given names, surnames and naming customs of one group."""

    female: WeightedNames
    male: WeightedNames
    surnames: WeightedNames
    middle_name_share: float      # children with a middle name at all
    compound_surname_share: float  # paternal + maternal surname ("García López")
    hyphenated_surname_share: float  # double-barrelled ("Smith-Jones")
    suffix_share: float           # boys with Jr/II/III


_BLACK = GroupNames(
    female=ranked(
        "Aaliyah, Jayla, Destiny, Kennedy, Taylor, Makayla, Brianna, Nevaeh, Imani, Jada, Kayla, "
        "Madison, Ariana, Zoe, Jasmine, Amaya, Nia, Trinity, Aniyah, London, Kiara, Morgan, "
        "Alexis, Jordyn, Mya, Skylar, Paris, Jazmin, Ciara, Tiara, Asia, Khloe, Janiyah, Ayanna, "
        "Maya, Gabrielle, Sanaa, Laila, Harmony, Serenity, Heaven, Genesis, Ashanti, Da'Asia, "
        "Shaniya, Tamia, Amira, Naomi, Zaria, Essence, Kaylin, Chloe, Ava, Olivia, Ja'Nya, "
        "Diamond, Kamiyah, Dasia, Brooklyn, Aubrey, Jaliyah, Samaria, Journee, Raven, Tatiana, "
        "Jayda, Janae, Nyla, Egypt, Ke'Asia, Destinee, Kennedi, Jordan, Simone"),
    male=ranked(
        "Jayden, Jordan, Joshua, Elijah, Isaiah, Michael, Christopher, Anthony, Jaylen, Josiah, "
        "Kevin, Malik, Tyler, Cameron, Xavier, Jeremiah, Justin, Brandon, Dominic, Marcus, "
        "DeAndre, Jamal, Tyrese, Khalil, Amir, Kamari, Zion, Caleb, Christian, Aiden, Carter, "
        "Bryce, Kayden, Dante, Terrell, Derrick, Demetrius, Andre, Kendall, Trey, Donte, Tavon, "
        "Davon, Dashawn, Jalen, Da'Quan, Keon, Kyrie, Messiah, Ethan, William, James, Robert, "
        "David, Daniel, Nathaniel, Jonathan, Micah, Aaron, Devin, Tre'Von, Ja'Marion, Darnell, "
        "Keyshawn, Kobe, LaShawn, Jaylin, Deshawn, Tyree, Markel, Omari, Jabari, Curtis, Raymond"),
    surnames=ranked(
        "Williams, Johnson, Smith, Brown, Jones, Jackson, Davis, Thomas, Harris, Robinson, Taylor, "
        "Wilson, Moore, White, Green, Lewis, Walker, Young, Thompson, Allen, Carter, Scott, "
        "Mitchell, Coleman, Wright, Hall, Butler, Washington, Jenkins, Hill, Gaines, Bell, Ford, "
        "Banks, Gray, Holmes, Dorsey, Parker, Nelson, Simms, Sanders, Spencer, Stewart, Barnes, "
        "Mack, Cooper, Bailey, Griffin, Price, Hawkins, Henderson, Alston, Fields, Tucker, "
        "Carroll, Chase, Queen, Gilliam, Jordan, Matthews, Ross, Howard, James, Powell, Murray, "
        "Hairston, Freeman, Dixon, Boyd, Edwards, Randall, Hunter, Wallace, Pinkney, Pettiford, "
        "McCoy, Graves, Stokes, Felder, Diggs, Whitaker, Wise, Dent, McNeil, Brooks, Hargrove, "
        "Abdullah, Diallo, Mensah, Okafor"),
    middle_name_share=0.75, compound_surname_share=0.0, hyphenated_surname_share=0.03,
    suffix_share=0.07,
)

_WHITE = GroupNames(
    female=ranked(
        "Emma, Olivia, Ava, Madison, Emily, Abigail, Isabella, Sophia, Hannah, Elizabeth, Grace, "
        "Chloe, Sarah, Lily, Ella, Avery, Addison, Riley, Natalie, Samantha, Lauren, Ashley, "
        "Taylor, Kaitlyn, Brooke, Megan, Rachel, Katherine, Mackenzie, Caroline, Claire, "
        "Charlotte, Amelia, Harper, Evelyn, Julia, Anna, Leah, Allison, Paige, Molly, Hailey, "
        "Kylie, Morgan, Jessica, Alyssa, Victoria, Mia, Nora, Scarlett, Stella, Hazel, Violet, "
        "Aubrey, Savannah, Mary, Margaret, Delaney, Sydney, Kelsey, Rebecca, Jacqueline, "
        "Gabrielle, Zoe, Alexandra, Maeve, Bridget"),
    male=ranked(
        "Jacob, Michael, William, Ethan, Matthew, Joseph, James, Tyler, Ryan, Andrew, Noah, Logan, "
        "Benjamin, Daniel, Christopher, Nicholas, John, Jack, Liam, Owen, Connor, Dylan, Brandon, "
        "Austin, Zachary, Kyle, Aiden, Mason, Lucas, Henry, Samuel, Nathan, Luke, Thomas, Robert, "
        "Jonathan, Patrick, Sean, Kevin, Brian, Jake, Cody, Evan, Hunter, Gavin, Caleb, Wyatt, "
        "Carter, Colin, Anthony, Alexander, Charles, Elijah, Jackson, Grayson, Hudson, Levi, Cole, "
        "Brady, Timothy, Eric, Steven, Richard, Edward, David, Dominic, Vincent, Declan"),
    surnames=ranked(
        "Smith, Miller, Johnson, Williams, Brown, Jones, Davis, Wilson, Taylor, Anderson, Thomas, "
        "Martin, Moore, White, Kelly, Murphy, Sullivan, O'Brien, O'Connor, O'Neill, Schmidt, "
        "Mueller, Wagner, Becker, Weber, Schneider, Kowalski, Nowak, Wisniewski, Kaminski, "
        "Lewandowski, Rossi, Russo, Romano, DiPietro, D'Amico, Clark, Lewis, Walker, Hall, Young, "
        "King, Wright, Hill, Scott, Green, Adams, Baker, Nelson, Carter, Mitchell, Roberts, "
        "Turner, Phillips, Campbell, Parker, Evans, Edwards, Collins, Stewart, Morris, Cook, "
        "Rogers, Reed, Bell, Ward, Cox, Ryan, McCarthy, Fitzgerald, Walsh, Brennan, Hoffman, Koch, "
        "Zimmerman, Snyder, Shaffer, Hess, MacDonald, Gray, Stuart, Thomson"),
    middle_name_share=0.88, compound_surname_share=0.0, hyphenated_surname_share=0.02,
    suffix_share=0.04,
)

_HISPANIC = GroupNames(
    female=ranked(
        "Génesis, Ashley, Camila, Valeria, Sofía, Isabella, Daniela, Mia, Jimena, Ximena, María, "
        "Guadalupe, Andrea, Natalia, Gabriela, Alejandra, Fernanda, Jennifer, Kimberly, Melanie, "
        "Emily, Allison, Brianna, Dayana, Yaretzi, Abigail, Valentina, Mariana, Victoria, Jazmín, "
        "Karla, Stephanie, Nicole, Katherine, Paola, Lizbeth, Yesenia, Wendy, Dulce, Fátima, "
        "Esmeralda, Luz, Rosa, Ana, Lucía, Elena, Adriana, Marisol, Leslie, Diana, Evelyn, "
        "Yamileth, Nayeli, Arely, Itzel, Josselyn, Heidy, Sherlyn, Britany, Alondra, Jacqueline, "
        "Sara, Gisselle, Angélica, María José, Ana Sofía, María Fernanda, María Guadalupe"),
    male=ranked(
        "José, Juan, Luis, Carlos, Jesús, Miguel, Ángel, Kevin, Christopher, Anthony, Jonathan, "
        "Brian, Bryan, Alejandro, Diego, Daniel, David, Josué, Jorge, Mateo, Santiago, Sebastián, "
        "Emiliano, Adrián, Eduardo, Fernando, Francisco, Héctor, Óscar, Ricardo, Roberto, Manuel, "
        "Mario, Pedro, Rafael, Javier, Andrés, Julio, Edwin, Wilmer, Elmer, Nelson, Erick, "
        "Alexander, Jeremy, Dylan, Jayden, Joel, Isaac, Gael, Leonardo, Ismael, Marvin, Axel, "
        "Jefferson, Anderson, Henry, Steven, Cristian, Joshua, Guillermo, Alberto, Gerardo, "
        "Ernesto, Rodrigo, Juan Carlos, José Luis, Miguel Ángel, Juan Pablo, Luis Ángel"),
    surnames=ranked(
        "García, Hernández, Martínez, López, González, Rodríguez, Pérez, Sánchez, Ramírez, Flores, "
        "Cruz, Morales, Reyes, Gómez, Díaz, Rivera, Torres, Vásquez, Ortiz, Castillo, Mejía, "
        "Romero, Chávez, Ramos, Mendoza, Aguilar, Jiménez, Ruiz, Álvarez, Moreno, Gutiérrez, "
        "Castro, Herrera, Medina, Vargas, Fuentes, Santos, Molina, Guzmán, Orellana, Portillo, "
        "Argueta, Ayala, Escobar, Menjívar, Rivas, Bonilla, Velásquez, Zelaya, Alvarado, "
        "Contreras, Salazar, Cabrera, Peña, Campos, Navarro, Domínguez, Muñoz, Avilés, Villatoro, "
        "Quintanilla, Ventura, Lemus, Cardona, Juárez, Paz, Cortez, Espinoza, Soto, Maldonado, "
        "Pineda, De la Cruz, Del Cid, Gonzales, Ordóñez, Méndez"),
    middle_name_share=0.6, compound_surname_share=0.45, hyphenated_surname_share=0.0,
    suffix_share=0.01,
)

_ASIAN = GroupNames(
    female=ranked(
        "Emily, Grace, Sophia, Olivia, Chloe, Hannah, Angela, Michelle, Jessica, Christine, "
        "Catherine, Jennifer, Amy, Vivian, Ashley, Joy, Esther, Sarah, Jasmine, Ella, Isabelle, "
        "Claire, Alice, Iris, Irene, Priya, Ananya, Aanya, Diya, Isha, Riya, Anika, Aisha, "
        "Fatima, Mei, Ling, Yuna, Seo-yeon, Ji-woo, Min-ji, Ha-eun, Linh, Ngoc, Thao, Mai, Anh, "
        "Trang, Hoa, Ngan, Jenny, Tiffany, Kayla, Stephanie, Hana, Nisha, Sita, Pabitra, Eh Htoo, "
        "Paw Say, Khin, Su, Nandar, Xin-yi, Zi-han, Yu-tong, Jia-hui, Hye-jin, Thanh Hương"),
    male=ranked(
        "Ethan, Daniel, Ryan, Kevin, Andrew, Justin, Brian, Jason, David, Eric, Aaron, Jonathan, "
        "Matthew, Lucas, Nathan, Joshua, Samuel, Alex, Jayden, Jacob, Timothy, Christopher, "
        "Michael, Arjun, Aarav, Rohan, Vivaan, Aditya, Krish, Dev, Rahul, Ishaan, Mohammed, "
        "Ibrahim, Min-jun, Ji-ho, Seo-jun, Hyun, Minh, Tuan, Huy, Duc, Quang, Khoa, Bao, Hieu, "
        "Wei, Jun, Hao, Kai, Leo, Henry, Edward, Vincent, Tony, Anthony, Kenny, Bishal, Suman, "
        "Saw Eh, Htoo, Aung, Tenzin, Yu-xuan, Hao-ran, Yi-ming, Jae-won, Dong-hyun, Quốc Bảo"),
    surnames=ranked(
        "Kim, Lee, Park, Choi, Chen, Wang, Nguyen, Li, Zhang, Liu, Tran, Le, Pham, Patel, Shah, "
        "Singh, Kumar, Huang, Wu, Lin, Yang, Zhao, Xu, Zhou, Sun, Ma, Zhu, Hu, Guo, He, Lam, "
        "Wong, Chan, Cheng, Ng, Chung, Jung, Kang, Cho, Yoon, Jang, Lim, Han, Shin, Oh, Seo, "
        "Kwon, Song, Hoang, Vu, Dang, Bui, Do, Ngo, Santos, Reyes, Bautista, Dela Cruz, Mendoza, "
        "Gurung, Rai, Tamang, Thapa, Khan, Rahman, Hossain, Reddy, Rao, Gupta, Sharma, Mehta, "
        "Desai, Tan, Yu, Htoo, Paw, Moo"),
    middle_name_share=0.45, compound_surname_share=0.0, hyphenated_surname_share=0.005,
    suffix_share=0.005,
)

_MENA = GroupNames(
    female=ranked("Fatima, Mariam, Aya, Layla, Nour, Sara, Yasmin, Hana, Zainab, Amira, Leen, "
                  "Rania, Salma, Reem, Jana, Dina, Lina, Maya, Huda, Malak, Rahaf, Shirin"),
    male=ranked("Mohammed, Ahmad, Ali, Omar, Yusuf, Adam, Hassan, Hussein, Khalid, Ibrahim, "
                "Karim, Ziad, Rami, Sami, Tariq, Amir, Mustafa, Hamza, Bilal, Kareem, Daniel"),
    surnames=ranked("Ali, Ahmed, Mohamed, Hassan, Hussein, Ibrahim, Khalil, Haddad, Nasser, "
                    "Saleh, Abdullah, Mansour, Youssef, Farah, Khoury, Aziz, Said, Omar, Mahmoud, "
                    "Al-Sayed, El-Amin, Abdel-Rahman, Hamdan, Karim, Rahimi, Hosseini, Tehrani, "
                    "Ahmadi, Awad, Saad"),
    middle_name_share=0.35, compound_surname_share=0.0, hyphenated_surname_share=0.0,
    suffix_share=0.0,
)

_AIAN = GroupNames(  # Baltimore's largest Native community is Lumbee, from Robeson County NC
    female=ranked("Kayla, Destiny, Madison, Hailey, Brianna, Summer, Savannah, Jasmine, Skylar, "
                  "Autumn, Dakota, Cheyenne, Paige, Taylor, Makayla, Haley, Kaitlyn, Brooke"),
    male=ranked("Dakota, Hunter, Tyler, Cody, Dustin, Justin, Blake, Chase, Brandon, Austin, "
                "Cameron, Jacob, Logan, Bryson, Kaden, Cheveyo, Trey, Dylan"),
    surnames=ranked("Locklear, Oxendine, Chavis, Hunt, Jacobs, Lowery, Brooks, Revels, Sampson, "
                    "Cummings, Bullard, Dial, Strickland, Woods, Jones, Smith, Maynor, Bell, "
                    "Deese, Carter, Emanuel, Godwin, Harris, Moore"),
    middle_name_share=0.8, compound_surname_share=0.0, hyphenated_surname_share=0.01,
    suffix_share=0.04,
)

_NHPI = GroupNames(
    female=ranked("Leilani, Malia, Kalani, Mele, Sina, Luana, Talia, Ana, Keala, Moana, Sela"),
    male=ranked("Kai, Keanu, Makoa, Sione, Tevita, Sefo, Ioane, Noa, Kekoa, Mana, Viliami"),
    surnames=ranked("Fifita, Tuilagi, Faleolo, Kealoha, Kahale, Aumua, Tupou, Taufa, Mahe, "
                    "Leota, Camacho, Taitano"),
    middle_name_share=0.6, compound_surname_share=0.0, hyphenated_surname_share=0.01,
    suffix_share=0.02,
)

NAMES_BY_GROUP: dict[str, GroupNames] = {
    BLACK: _BLACK, WHITE: _WHITE, HISPANIC: _HISPANIC, ASIAN: _ASIAN, MENA: _MENA,
    AIAN: _AIAN, NHPI: _NHPI,
}

# Multiracial youth take given names from one parent group and the surname from the other.
MULTIRACIAL_PARENT_GROUPS: tuple[tuple[tuple[str, str], float], ...] = (
    ((BLACK, WHITE), 0.45), ((WHITE, HISPANIC), 0.14), ((BLACK, HISPANIC), 0.12),
    ((WHITE, ASIAN), 0.12), ((BLACK, ASIAN), 0.04), ((WHITE, AIAN), 0.07), ((BLACK, AIAN), 0.06),
)

COMMON_MIDDLE_NAMES: dict[str, WeightedNames] = {
    "F": ranked("Marie, Nicole, Elizabeth, Rose, Grace, Lynn, Ann, Renee, Monae, Simone, Denise, "
                "Michelle, Jade, Lee, Mae, Danielle, Imani, Faith", offset=3),
    "M": ranked("Michael, James, Lee, Allen, Anthony, Joseph, Alexander, Lamont, Antonio, Andre, "
                "Thomas, Ray, David, Christopher, Elijah, Xavier, Malik, Edward", offset=3),
}

SUFFIXES = ranked("Jr, III, II, IV", offset=0.3)

VIETNAMESE_SURNAMES = frozenset({"Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui",
                                 "Do", "Ngo"})
# Vietnamese middle names that mark sex and lead the given name in the family's order
# ("Nguyen Thi Linh"); US forms record them as a middle name or as part of the first name.
VIETNAMESE_MIDDLE_NAMES = {"F": ranked("Thị, Ngọc, Thu, Kim", offset=0.5),
                           "M": ranked("Văn, Minh, Đức, Quốc", offset=0.5)}
